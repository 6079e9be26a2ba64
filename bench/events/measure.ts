/**
 * One run of one setup: a producer commits a state change at a fixed rate, and a consumer records when
 * each event's job starts. `outbox-*` setups store the event in the change's transaction and let the
 * relay enqueue it; `direct-*` setups (the anchors) commit the same change, then enqueue the same job
 * straight into the queue (the dual write the outbox replaces). Everything but the servers runs in this
 * process, so commit and start times share one clock.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { type Database, openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createScratchPostgresDatabase, type ScratchPostgresDatabase } from '@streamhub/db/testing';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import {
  type ConsumerJob,
  type ConsumerJobDefinitions,
  consumerJobId,
  consumerJobName,
  createConsumerRegistry,
  defineConsumer,
} from '@streamhub/infra/outbox/consumers';
import { createOutboxRelay, type OutboxRelay } from '@streamhub/infra/outbox/relay';
import { startConsumers } from '@streamhub/infra/outbox/runner';
import { createTestTables, TEST_EVENTS } from '@streamhub/infra/outbox/testing';
import { appendEvent } from '@streamhub/infra/outbox/writer';
import { deleteKeysWithPrefix, randomTestPrefix } from '@streamhub/infra/redis/testing';
import { sql } from 'drizzle-orm';
import { cpuSeconds } from '../gateway/processes.ts';

export type SetupId = 'outbox-postgres' | 'direct-postgres' | 'outbox-embedded' | 'direct-embedded';

export const SETUPS: readonly SetupId[] = [
  'direct-postgres',
  'outbox-postgres',
  'direct-embedded',
  'outbox-embedded',
];

export interface RunOptions {
  rate: number;
  seconds: number;
  /** Jobs of the consumer run at most this many at a time (the same for every setup). */
  concurrency: number;
  redisUrl: string;
  /** How the relay learns of new events: LISTEN/NOTIFY (default) or polling every 20 ms. */
  relay?: 'notify' | 'poll';
  log?: (line: string) => void;
}

export interface RunResult {
  setup: SetupId;
  sent: number;
  handled: number;
  lost: number;
  duplicated: number;
  /** Events handled per second, from the first commit to the last start. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU seconds: this process, this run's PostgreSQL backends, the Redis server (all its clients). */
  cpu: { process: number; postgres: number; redis: number };
  /** The PostgreSQL CPU seconds split by connection: the relay's, LISTEN's, the others (producers). */
  postgresBy: { relay: number; listen: number; producers: number };
  /** Total CPU milliseconds per handled event. */
  cpuMsPerEvent: number;
}

const CONSUMER = 'bench';

interface Stack {
  database: Database;
  /**
   * Commits change `n` (and, with the outbox, its event); `onCommitted` gets the event or job id the
   * moment the transaction has committed (before a direct enqueue, whose in-process job may start at once).
   */
  commit(n: number, onCommitted: (id: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Runs `setup` once: a warm-up second, then `seconds` at `rate` events per second. */
export async function runSetup(setup: SetupId, options: RunOptions): Promise<RunResult> {
  const starts = new Map<string, number[]>();
  const onStart = (id: string) => {
    const at = performance.now();
    const list = starts.get(id);
    if (list) list.push(at);
    else starts.set(id, [at]);
  };
  const stack = await openStack(setup, options, onStart);
  try {
    const warmUp = new Map<string, number>();
    await produce(stack, options.rate, 1, warmUp);
    await drain(starts, 10_000, warmUp);
    starts.clear();

    const before = cpuSnapshot(stack.database);
    const committed = new Map<string, number>();
    const firstCommit = performance.now();
    await produce(stack, options.rate, options.seconds, committed);
    await drain(starts, 30_000, committed);
    const after = cpuSnapshot(stack.database);
    return summarise(setup, committed, starts, firstCommit, diffCpu(await before, await after));
  } finally {
    await stack.close();
  }
}

/** Commits at `rate` per second for `seconds`, in 10 ms ticks, without waiting for earlier ticks. */
async function produce(stack: Stack, rate: number, seconds: number, committed: Map<string, number>) {
  const perTick = rate / 100;
  const ticks = Math.round(seconds * 100);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let due = 0;
  let n = 0;
  for (let tick = 0; tick < ticks; tick += 1) {
    due += perTick;
    for (; n < Math.floor(due); n += 1) {
      const i = n;
      inFlight.push(stack.commit(i, (id) => committed.set(id, performance.now())));
    }
    const next = started + (tick + 1) * 10;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(inFlight);
}

/** Waits until every committed id has started (or the deadline passes: the others are lost). */
async function drain(starts: Map<string, number[]>, deadlineMs: number, committed: Map<string, number>) {
  const deadline = performance.now() + deadlineMs;
  const done = () => [...committed.keys()].every((id) => starts.has(id));
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function summarise(
  setup: SetupId,
  committed: Map<string, number>,
  starts: Map<string, number[]>,
  firstCommit: number,
  { postgresBy, ...cpu }: RunResult['cpu'] & Pick<RunResult, 'postgresBy'>,
): RunResult {
  const latencies: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let lastStart = firstCommit;
  for (const [id, at] of committed) {
    const list = starts.get(id);
    if (!list) {
      lost += 1;
      continue;
    }
    if (list.length > 1) duplicated += list.length - 1;
    const first = Math.min(...list);
    latencies.push(first - at);
    lastStart = Math.max(lastStart, first);
  }
  latencies.sort((a, b) => a - b);
  const handled = latencies.length;
  const total = cpu.process + cpu.postgres + cpu.redis;
  return {
    setup,
    sent: committed.size,
    handled,
    lost,
    duplicated,
    throughput: handled / ((lastStart - firstCommit) / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    cpu,
    postgresBy,
    cpuMsPerEvent: handled > 0 ? (total * 1000) / handled : Number.NaN,
  };
}

/** The value below which `q` of the sorted `values` fall (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

async function openStack(setup: SetupId, options: RunOptions, onStart: (id: string) => void): Promise<Stack> {
  const embedded = setup.endsWith('embedded');
  const scratch: ScratchPostgresDatabase | undefined = embedded
    ? undefined
    : await createScratchPostgresDatabase();
  const database = await openDatabase(scratch ? { databaseUrl: scratch.url } : { inMemory: true });
  await migrateDatabase(database);
  await createTestTables(database.db);
  const prefix = randomTestPrefix('bench-events');
  const registry = createConsumerRegistry(TEST_EVENTS, [
    defineConsumer(TEST_EVENTS, {
      name: CONSUMER,
      mode: 'idempotent',
      events: ['test.changed'],
      async handle(event) {
        onStart(event.id);
      },
    }),
  ]);
  const queue: JobQueue<ConsumerJobDefinitions> = embedded
    ? (await import('@streamhub/infra/jobs/memory')).createMemoryJobQueue(registry.jobDefinitions)
    : await (await import('@streamhub/infra/jobs/bullmq')).createBullMqJobQueue(registry.jobDefinitions, {
        url: options.redisUrl,
        prefix,
      });
  await startConsumers(queue, registry, database.db, { concurrency: options.concurrency });
  let relay: OutboxRelay | undefined;
  if (setup.startsWith('outbox')) {
    relay = createOutboxRelay({
      database,
      registry,
      queue,
      listen: options.relay !== 'poll',
      onError: (error) => options.log?.(String(error)),
    });
    await relay.start();
  }
  const changeState = (tx: Pick<Database['db'], 'execute'>, n: number) =>
    tx.execute(sql`insert into public.outbox_test_state (key, n) values (${`k${n % 100}`}, ${n})
      on conflict (key) do update set n = excluded.n`);

  const commit = relay
    ? async (n: number, onCommitted: (id: string) => void) => {
        const id = await database.db.transaction(async (tx) => {
          await changeState(tx, n);
          return appendEvent(
            tx,
            TEST_EVENTS,
            'test.changed',
            { key: `k${n % 100}`, n },
            { aggregate: `test:k${n % 100}` },
          );
        });
        onCommitted(id);
      }
    : async (n: number, onCommitted: (id: string) => void) => {
        await database.db.transaction((tx) => changeState(tx, n));
        // The same job the relay would enqueue, with the same kind of deterministic id.
        const id = randomUUID();
        onCommitted(id);
        const job: ConsumerJob = {
          id,
          name: 'test.changed',
          aggregate: `test:k${n % 100}`,
          seq: n + 1,
          payload: { key: `k${n % 100}`, n },
          createdAt: new Date().toISOString(),
        };
        await queue.enqueue(consumerJobName(CONSUMER), job, { jobId: consumerJobId(id, CONSUMER) });
      };

  return {
    database,
    commit,
    async close() {
      await relay?.close();
      await queue.close();
      await database.close();
      await scratch?.drop();
      if (!embedded) await deleteKeysWithPrefix(options.redisUrl, prefix);
    },
  };
}

interface CpuSnapshot {
  process: number;
  postgres: Map<number, number>;
  /** Each backend's role, from the last statement it ran. */
  roles: Map<number, keyof RunResult['postgresBy']>;
  redis: number;
}

// The relay's statements all name published_at or its locks; a producer's connection ends on COMMIT.
const roleOf = (query: string): keyof RunResult['postgresBy'] =>
  /^\s*listen\b/i.test(query)
    ? 'listen'
    : /published_at|pg_try_advisory_lock\(|pg_advisory_unlock/.test(query)
      ? 'relay'
      : 'producers';

/** CPU seconds so far of this process, of this database's PostgreSQL backends and of redis-server. */
async function cpuSnapshot(database: Database): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  const postgres = new Map<number, number>();
  const roles = new Map<number, keyof RunResult['postgresBy']>();
  if (database.driver === 'postgres') {
    const rows = await database.client<{ pid: number; query: string }[]>`
      select pid, query from pg_stat_activity where datname = current_database()`;
    for (const { pid, query } of rows) {
      postgres.set(pid, cpuSecondsOf(pid));
      roles.set(pid, roleOf(query));
    }
  }
  return { process: (usage.user + usage.system) / 1e6, postgres, roles, redis: redisCpuSeconds() };
}

function diffCpu(before: CpuSnapshot, after: CpuSnapshot): RunResult['cpu'] & Pick<RunResult, 'postgresBy'> {
  let postgres = 0;
  const postgresBy = { relay: 0, listen: 0, producers: 0 };
  for (const [pid, seconds] of after.postgres) {
    const used = seconds - (before.postgres.get(pid) ?? 0);
    postgres += used;
    postgresBy[after.roles.get(pid) ?? 'producers'] += used;
  }
  return { process: after.process - before.process, postgres, redis: after.redis - before.redis, postgresBy };
}

let redisPid: number | undefined;
function redisCpuSeconds(): number {
  if (redisPid === undefined) {
    redisPid = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'redis-server') redisPid = Number(entry);
      } catch {}
    }
  }
  return redisPid ? cpuSecondsOf(redisPid) : 0;
}

const cpuSecondsOf = (pid: number) => cpuSeconds(pid) ?? 0;
