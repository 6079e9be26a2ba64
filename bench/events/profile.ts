/**
 * Where PostgreSQL's CPU goes per event: each step of the producer's transaction and of the relay's
 * pass, run 5,000 times on one backend in a DO loop (a commit each, synchronous_commit off so the
 * figure is CPU, not fsync), with that backend's CPU time read from /proc.
 *
 *   node --import tsx bench/events/profile.ts
 */
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { createTestTables } from '@streamhub/infra/outbox/testing';
import { OUTBOX_IDLE_LOCK } from '@streamhub/infra/outbox/writer';
import { cpuSeconds } from '../gateway/processes.ts';

const N = 5_000;
const state = `insert into public.outbox_test_state (key, n) values ('k' || (i % 100), i)
  on conflict (key) do update set n = excluded.n`;
const insert = (extra: string) => `insert into events.outbox (id, name, payload, aggregate)
  select gen_random_uuid(), 'test.changed', jsonb_build_object('key', 'k' || (i % 100), 'n', i), 'test:k' || (i % 100)
  from (select ${extra}) as serialised`;
const lock = `pg_advisory_xact_lock(hashtextextended('test:k' || (i % 100), 0))`;
const idleCheck = `pg_try_advisory_xact_lock_shared(${OUTBOX_IDLE_LOCK[0]}, ${OUTBOX_IDLE_LOCK[1]})`;
const steps: [string, string][] = [
  ['state change alone (the anchor)', state],
  ['+ outbox insert', `${state}; ${insert('1')}`],
  ['+ outbox insert, aggregate lock', `${state}; ${insert(lock)}`],
  [
    '+ outbox insert, aggregate lock, idle check (the writer)',
    `${state}; ${insert(`${lock}, ${idleCheck}`)}`,
  ],
  [
    '+ outbox insert, aggregate lock, pg_notify (the old writer)',
    `${state}; ${insert(`${lock}, pg_notify('streamhub_outbox_profile', '')`)}`,
  ],
];

const scratch = await createScratchPostgresDatabase();
const database = await openDatabase({ databaseUrl: scratch.url });
try {
  if (database.driver !== 'postgres') throw new Error('expected PostgreSQL');
  await migrateDatabase(database);
  await createTestTables(database.db);
  const session = await database.client.reserve();
  await session.unsafe('set synchronous_commit = off');
  const [row] = await session.unsafe<{ pid: number }[]>('select pg_backend_pid() as pid');
  if (!row) throw new Error('no backend pid');
  const { pid } = row;
  const measure = async (label: string, body: string, loops = N, perEvent = N) => {
    const before = cpuSeconds(pid) ?? 0;
    const started = performance.now();
    await session.unsafe(`do $$ begin for i in 1..${loops} loop ${body}; commit; end loop; end $$`);
    const cpu = (cpuSeconds(pid) ?? 0) - before;
    console.log(
      `| ${label} | ${((cpu * 1000) / perEvent).toFixed(3)} | ${((performance.now() - started) / perEvent).toFixed(3)} |`,
    );
  };
  console.log('| step (per event) | backend CPU ms | wall ms |\n| --- | ---: | ---: |');
  for (const [label, body] of steps) await measure(label, body);
  // The relay's update, in passes of 20 rows as at 1,000 events/s with 10 ms between passes (the select
  // is the same index scan without the write).
  await session.unsafe('update events.outbox set published_at = null');
  await measure(
    'relay: select + mark published, passes of 20',
    `perform seq from events.outbox where published_at is null order by seq limit 20;
     update events.outbox set published_at = now(), attempts = attempts + 1 where seq in
       (select seq from events.outbox where published_at is null order by seq limit 20)`,
    N / 20,
    N,
  );
  // The same from the client, a statement at a time as the producer sends them (parse, plan, protocol).
  const client = async (label: string, statements: string[]) => {
    const before = cpuSeconds(pid) ?? 0;
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      await session.unsafe('begin');
      for (const statement of statements) await session.unsafe(statement, [i]);
      await session.unsafe('commit');
    }
    const cpu = (cpuSeconds(pid) ?? 0) - before;
    console.log(
      `| ${label} | ${((cpu * 1000) / N).toFixed(3)} | ${((performance.now() - started) / N).toFixed(3)} |`,
    );
  };
  const at = (text: string) => text.replaceAll('(i % 100)', '($1::int % 100)').replaceAll('i)', '$1::int)');
  const clientSteps = async () => {
    await client('client: begin, state change, commit (the anchor)', [at(state)]);
    await client('client: begin, state change, plain insert values, commit', [
      at(state),
      `insert into events.outbox (id, name, payload, aggregate) values (gen_random_uuid(), 'test.changed',
      jsonb_build_object('n', $1::int), 'test:k' || ($1::int % 100))`,
    ]);
    await client('client: begin, state change, select 1, commit', [at(state), 'select $1::int']);
    await client('client: begin, state change, writer insert, commit (the outbox)', [
      at(state),
      at(insert(`${lock}, ${idleCheck}`)),
    ]);
  };
  await clientSteps();
  // With the commit's WAL flush in the backend, as the producers run (synchronous_commit on).
  await session.unsafe('set synchronous_commit = on');
  console.log('| synchronous_commit on: | | |');
  await clientSteps();
  session.release();
} finally {
  await database.close();
  await scratch.drop();
}
