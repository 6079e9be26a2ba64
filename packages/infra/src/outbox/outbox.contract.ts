/**
 * The behaviour the outbox must show on every database driver and job queue; run by
 * `outbox.pglite.test.ts` and `outbox.postgres.test.ts`, each with the in-process runner and BullMQ.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Driver } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { createTestDatabase } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobQueue } from '../jobs/port.ts';
import {
  type Consumer,
  type ConsumerJobDefinitions,
  consumerJobId,
  createConsumerRegistry,
  defineConsumer,
} from './consumers.ts';
import { registerOutboxMetrics } from './metrics.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
import { startConsumers } from './runner.ts';
import {
  commitChange,
  countRows,
  createTestTables,
  readEffects,
  recordEffect,
  resetTestTables,
  TEST_EVENTS,
  type TestEvents,
} from './testing.ts';
import { appendEvent, appendEventStatement } from './writer.ts';

export interface OutboxHarness {
  driver: Driver;
  /** A consumer queue under its own prefix, so no test sees another's jobs. */
  openQueue(definitions: ConsumerJobDefinitions, prefix: string): Promise<JobQueue<ConsumerJobDefinitions>>;
  /** A second, independent connection pool to the same database (PostgreSQL); PGlite shares its one. */
  openSecondConnection?(database: Database): Promise<Database>;
}

const eventually = (assertion: () => void | Promise<void>, timeout = 10_000) =>
  vi.waitFor(assertion, { timeout, interval: 10 });

type TestConsumer = Consumer<TestEvents>;

export function outboxContract(label: string, basePrefix: string, harness: OutboxHarness): void {
  describe(`outbox contract: ${label}`, () => {
    let database: Database;
    const closers: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      database = await createTestDatabase(harness.driver);
      await createTestTables(database.db);
    });
    afterAll(async () => {
      await database?.close();
    });
    beforeEach(async () => {
      await resetTestTables(database.db);
    });
    afterEach(async () => {
      // Newest first: relays before the queues they enqueue on.
      for (const close of closers.splice(0).reverse()) await close();
    });

    /** A registry, its queue (started unless told not to) and a relay, closed after the test. */
    async function setUp(
      consumers: TestConsumer[],
      options: {
        startConsumers?: boolean;
        concurrency?: number;
        relay?: Partial<OutboxRelayOptions<TestEvents>> | false;
        db?: Database;
      } = {},
    ) {
      const db = options.db ?? database;
      const registry = createConsumerRegistry(TEST_EVENTS, consumers);
      const queue = await harness.openQueue(registry.jobDefinitions, `${basePrefix}${randomUUID()}:`);
      closers.push(() => queue.close());
      if (options.startConsumers ?? true) {
        await startConsumers(queue, registry, db.db, { concurrency: options.concurrency ?? 1 });
      }
      const openRelay = (overrides: Partial<OutboxRelayOptions<TestEvents>> = {}, on = db) => {
        const relay = createOutboxRelay({
          database: on,
          registry,
          queue,
          standbyRetryMs: 50,
          onError: (error) => errors.push(error),
          ...overrides,
        });
        closers.push(() => relay.close());
        return relay;
      };
      const errors: Error[] = [];
      let relay: OutboxRelay | undefined;
      if (options.relay !== false) {
        relay = openRelay(options.relay || {});
        await relay.start();
      }
      return { registry, queue, relay, openRelay, errors };
    }

    /** An idempotent consumer that counts calls per event id. */
    function counting(name: string, events: (keyof TestEvents)[] = ['test.changed']) {
      const calls = new Map<string, number>();
      const consumer = defineConsumer(TEST_EVENTS, {
        name,
        mode: 'idempotent',
        events,
        async handle(event) {
          calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
        },
      });
      return { consumer, calls };
    }

    it('delivers every committed event to every subscriber at least once, and no rolled-back one', async () => {
      const a = counting('count-a');
      const b = counting('count-b', ['test.changed', 'test.noted']);
      await setUp([a.consumer, b.consumer]);

      const ids: string[] = [];
      for (let n = 0; n < 20; n += 1) ids.push(await commitChange(database.db, `k${n % 3}`, n));
      const rolledBack = database.db.transaction(async (tx) => {
        await appendEvent(tx, TEST_EVENTS, 'test.changed', { key: 'gone', n: 1 }, { aggregate: 'test:gone' });
        throw new Error('the change fails');
      });
      await expect(rolledBack).rejects.toThrow('the change fails');
      const noted = await database.db.transaction((tx) =>
        appendEvent(tx, TEST_EVENTS, 'test.noted', { note: 'x' }, { aggregate: 'note' }),
      );

      await eventually(() => {
        expect([...a.calls.keys()].sort()).toEqual([...ids].sort());
        expect([...b.calls.keys()].sort()).toEqual([...ids, noted].sort());
      });
      await eventually(async () =>
        expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(0),
      );
      expect(await countRows(database.db, 'events.outbox')).toBe(21);
    });

    it('validates on append: an invalid payload or unknown event stores nothing', async () => {
      await expect(
        database.db.transaction((tx) =>
          appendEvent(tx, TEST_EVENTS, 'test.changed', { key: '', n: 1 }, { aggregate: 'a' }),
        ),
      ).rejects.toThrow();
      await expect(
        database.db.transaction((tx) =>
          appendEvent(tx, TEST_EVENTS, 'test.unknown' as 'test.noted', { note: 'x' }, { aggregate: 'a' }),
        ),
      ).rejects.toThrow(/Unknown event/);
      await expect(
        database.db.transaction((tx) =>
          appendEvent(tx, TEST_EVENTS, 'test.noted', { note: 'x' }, { aggregate: '' }),
        ),
      ).rejects.toThrow(/aggregate/);
      expect(await countRows(database.db, 'events.outbox')).toBe(0);
    });

    it('appends in the statement of the change, only when its condition holds', async () => {
      const a = counting('one-statement');
      await setUp([a.consumer]);
      // A store-once change and its event in one statement, as a provider webhook is stored: the second
      // call conflicts, stores nothing and appends nothing.
      const storeOnce = async (key: string, n: number) => {
        const { id, statement } = appendEventStatement(
          TEST_EVENTS,
          'test.changed',
          { key, n },
          { aggregate: `test:${key}` },
          sql`exists (select 1 from stored)`,
        );
        const result = await database.db.execute(sql`
          with stored as (
            insert into public.outbox_test_state (key, n) values (${key}, ${n})
            on conflict (key) do nothing returning key),
          appended as (${statement})
          select count(*)::int as stored from stored`);
        const rows = rowsOf<{
          stored: number;
        }>(result);
        return rows[0]?.stored === 1 ? id : undefined;
      };
      const first = await storeOnce('once', 1);
      expect(first).toBeDefined();
      expect(await storeOnce('once', 2)).toBeUndefined();
      await eventually(() => expect([...a.calls.keys()]).toEqual([first]));
      expect(await countRows(database.db, 'events.outbox')).toBe(1);
      expect(await countRows(database.db, 'public.outbox_test_state', 'n = 1')).toBe(1);
      expect(() =>
        appendEventStatement(TEST_EVENTS, 'test.changed', { key: '', n: 1 }, { aggregate: 'a' }),
      ).toThrow();
    });

    it('re-relaying an event whose jobs are still queued is a no-op (deterministic job ids)', async () => {
      const a = counting('dedupe');
      const { queue, registry, relay } = await setUp([a.consumer], { startConsumers: false });
      const id = await commitChange(database.db, 'k', 1);
      await eventually(async () =>
        expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(0),
      );
      await relay?.close();
      // As if the relay had died after enqueueing and before marking the row: the next one relays it again.
      await database.db.execute(sql`update events.outbox set published_at = null`);
      const second = createOutboxRelay({ database, registry, queue });
      closers.push(() => second.close());
      await second.start();
      await eventually(async () =>
        expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(0),
      );
      expect(second.counters.enqueued).toBe(1);

      await startConsumers(queue, registry, database.db);
      await eventually(() => expect(a.calls.get(id)).toBe(1));
      // Give a duplicate every chance to show up: relay another event and wait for it first.
      const later = await commitChange(database.db, 'k', 2);
      await eventually(() => expect(a.calls.get(later)).toBe(1));
      expect(a.calls.get(id)).toBe(1);
      expect(consumerJobId(id, 'dedupe')).toBe(`${id}__dedupe`);
    });

    it('a `once` consumer takes effect exactly once: repeated deliveries and failed attempts leave one effect', async () => {
      let calls = 0;
      const once = defineConsumer(TEST_EVENTS, {
        name: 'once',
        mode: 'once',
        events: ['test.changed'],
        backoffMs: 10,
        async handle(event, { tx, attempt }) {
          calls += 1;
          await recordEffect(tx, {
            consumer: 'once',
            eventId: event.id,
            aggregate: event.aggregate,
            seq: event.seq,
          });
          // The effect is written, then the attempt fails: it must roll back with the handled record.
          if (event.payload.n === 1 && attempt === 1) throw new Error('first attempt fails');
        },
      });
      const { registry, queue, relay } = await setUp([once]);
      const first = await commitChange(database.db, 'k', 1);
      const second = await commitChange(database.db, 'k', 2);
      await eventually(async () => expect(await countRows(database.db, 'events.handled')).toBe(2));
      expect(calls).toBe(3);

      // Deliver both again (a relay re-run after the jobs finished and were dropped).
      await relay?.close();
      await database.db.execute(sql`update events.outbox set published_at = null`);
      const again = createOutboxRelay({ database, registry, queue });
      closers.push(() => again.close());
      await again.start();
      await eventually(async () =>
        expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(0),
      );
      const third = await commitChange(database.db, 'k', 3);
      await eventually(async () => expect(await countRows(database.db, 'events.handled')).toBe(3));

      const effects = await readEffects(database.db);
      expect(effects.map((effect) => effect.eventId).sort()).toEqual([first, second, third].sort());
    });

    it('a `once` consumer hears of its commits only, and a delivery it knows handled opens no transaction', async () => {
      const attempts: string[] = [];
      const committed: string[] = [];
      const knownKeys = new Set<string>();
      const once = defineConsumer(TEST_EVENTS, {
        name: 'once-known',
        mode: 'once',
        events: ['test.changed'],
        backoffMs: 10,
        handledAlready: (event) => knownKeys.has(event.payload.key),
        async handle(event, { tx, attempt, afterCommit }) {
          attempts.push(event.id);
          await recordEffect(tx, {
            consumer: 'once-known',
            eventId: event.id,
            aggregate: event.aggregate,
            seq: event.seq,
          });
          afterCommit(() => {
            committed.push(event.id);
            knownKeys.add(event.payload.key);
          });
          // Rolled back after registering: its callback must not run.
          if (event.payload.n === 1 && attempt === 1) throw new Error('first attempt fails');
        },
      });
      await setUp([once]);
      const first = await commitChange(database.db, 'a', 1);
      await eventually(() => expect(committed).toEqual([first]));
      expect(attempts).toEqual([first, first]);

      // Key `a` is known handled: its next event is skipped without a transaction or a handled record.
      // One consumer job at a time, in order, so `skipped` has had its turn once `other` committed.
      const skipped = await commitChange(database.db, 'a', 2);
      const other = await commitChange(database.db, 'b', 2);
      await eventually(() => expect(committed).toEqual([first, other]));
      expect(attempts).toEqual([first, first, other]);
      expect(await countRows(database.db, 'events.handled')).toBe(2);
      const effects = await readEffects(database.db);
      expect(effects.map((effect) => effect.eventId).sort()).toEqual([first, other].sort());
      expect(effects.map((effect) => effect.eventId)).not.toContain(skipped);
    });

    it('an `ordered` consumer handles each aggregate in commit order, once, under concurrency and retries', async () => {
      const perAggregate = 15;
      const ordered = defineConsumer(TEST_EVENTS, {
        name: 'ordered',
        mode: 'ordered',
        events: ['test.changed'],
        backoffMs: 10,
        async handle(event, { tx, attempt }) {
          // The first event of every aggregate fails once, so later ones get there first and must wait.
          if (event.payload.n === 0 && attempt === 1) throw new Error('not yet');
          await recordEffect(tx, {
            consumer: 'ordered',
            eventId: event.id,
            aggregate: event.aggregate,
            seq: event.seq,
          });
        },
      });
      await setUp([ordered], { concurrency: 4 });

      // Concurrent producers per aggregate: the writer's lock makes seq order their commit order.
      await Promise.all(
        ['a', 'b', 'c'].map(async (key) => {
          await commitChange(database.db, key, 0);
          await Promise.all(
            Array.from({ length: perAggregate - 1 }, (_, i) => commitChange(database.db, key, i + 1)),
          );
        }),
      );

      await eventually(async () =>
        expect(await countRows(database.db, 'public.outbox_test_effects')).toBe(3 * perAggregate),
      );
      const effects = await readEffects(database.db);
      for (const key of ['a', 'b', 'c']) {
        const seqs = effects
          .filter((effect) => effect.aggregate === `test:${key}`)
          .map((effect) => effect.seq);
        expect(seqs).toHaveLength(perAggregate);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(perAggregate);
      }
    });

    it('keeps one relay active at a time; the other takes over when it stops', async () => {
      const a = counting('two-relays');
      const other = harness.openSecondConnection ? await harness.openSecondConnection(database) : database;
      if (other !== database) closers.push(() => other.close());
      const { openRelay } = await setUp([a.consumer], { relay: false });
      const changes: boolean[][] = [[], []];
      const first = openRelay({ onActiveChange: (active) => changes[0]?.push(active) });
      const second = openRelay({ onActiveChange: (active) => changes[1]?.push(active) }, other);
      await first.start();
      await eventually(() => expect(first.active).toBe(true));
      await second.start();

      const ids = await Promise.all(
        Array.from({ length: 30 }, (_, n) => commitChange(database.db, `k${n}`, n)),
      );
      await eventually(() => expect(a.calls.size).toBe(30));
      // Consumers may start before the relay has marked the rows published.
      await eventually(() => expect(first.counters.published).toBe(30));
      // The standby tried several times meanwhile (standbyRetryMs is 50 ms) and never became active.
      expect(second.active).toBe(false);
      expect(changes[1]).toEqual([]);
      expect(second.counters.published).toBe(0);

      await first.close();
      expect(changes[0]).toEqual([true, false]);
      await eventually(() => expect(second.active).toBe(true));
      const later = await commitChange(database.db, 'after', 1);
      await eventually(() => expect(a.calls.get(later)).toBe(1));
      await eventually(() => expect(second.counters.published).toBe(1));
      for (const id of ids) expect(a.calls.get(id)).toBe(1);
    });

    it('prunes published events, handled records and stale positions after the retention period, never unpublished ones', async () => {
      const once = defineConsumer(TEST_EVENTS, {
        name: 'prune-once',
        mode: 'once',
        events: ['test.changed'],
        async handle() {},
      });
      const { openRelay } = await setUp([once], { relay: false });
      const relay = openRelay();
      await relay.start();
      for (let n = 0; n < 4; n += 1) await commitChange(database.db, `k${n}`, n);
      await eventually(async () => expect(await countRows(database.db, 'events.handled')).toBe(4));
      await relay.close();
      // Two were published and handled two hours ago; an unpublished event is as old; one position is stale.
      await database.db.execute(sql`update events.outbox set published_at = now() - interval '2 hours'
        where seq in (select seq from events.outbox order by seq limit 2)`);
      await database.db.execute(sql`update events.handled set handled_at = now() - interval '2 hours'
        where event_id in (select id from events.outbox where published_at < now() - interval '1 hour')`);
      await database.db.execute(sql`insert into events.consumer_positions (consumer, aggregate, seq, updated_at)
        values ('x', 'stale', 1, now() - interval '3 hours'), ('x', 'fresh', 1, now())`);
      await database.db.execute(sql`insert into events.outbox (id, name, payload, aggregate, created_at)
        values (${randomUUID()}, 'test.noted', '{"note":"x"}', 'n', now() - interval '2 hours')`);

      // A relay that is not running prunes too (an operator's one-off, or this test).
      const pruned = await openRelay({ retentionMs: 3600_000 }).pruneNow();
      expect(pruned).toBe(2 + 2 + 1);
      expect(await countRows(database.db, 'events.outbox', 'published_at is not null')).toBe(2);
      expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(1);
      expect(await countRows(database.db, 'events.handled')).toBe(2);
      expect(await countRows(database.db, 'events.consumer_positions', "aggregate = 'stale'")).toBe(0);
      expect(await countRows(database.db, 'events.consumer_positions', "aggregate = 'fresh'")).toBe(1);
    });

    it('exports backlog, lag and its counters as Prometheus metrics', async () => {
      const a = counting('metrics');
      const { openRelay } = await setUp([a.consumer], { relay: false });
      const relay = openRelay();
      const registry = new Registry();
      registerOutboxMetrics(registry, relay);
      for (let n = 0; n < 3; n += 1) await commitChange(database.db, 'k', n);
      await database.db.execute(sql`update events.outbox set created_at = now() - interval '5 seconds'`);

      const before = await registry.metrics();
      expect(before).toMatch(/^streamhub_outbox_backlog 3$/m);
      const lag = Number(/^streamhub_outbox_lag_seconds ([\d.]+)$/m.exec(before)?.[1]);
      expect(lag).toBeGreaterThanOrEqual(5);
      expect(lag).toBeLessThan(60);
      expect(before).toMatch(/^streamhub_outbox_relay_active 0$/m);

      await relay.start();
      await eventually(() => expect(a.calls.size).toBe(3));
      // Consumers may start before the relay has marked the rows published.
      await eventually(async () => expect(await registry.metrics()).toMatch(/^streamhub_outbox_backlog 0$/m));
      const after = await registry.metrics();
      expect(after).toMatch(/^streamhub_outbox_lag_seconds 0$/m);
      expect(after).toMatch(/^streamhub_outbox_relay_active 1$/m);
      expect(after).toMatch(/^streamhub_outbox_published_total 3$/m);
      expect(after).toMatch(/^streamhub_outbox_enqueued_total 3$/m);
    });

    it('reacts to a commit within tens of milliseconds through LISTEN/NOTIFY, not the poll', async () => {
      let startedAt = 0;
      const consumer = defineConsumer(TEST_EVENTS, {
        name: 'latency',
        mode: 'idempotent',
        events: ['test.changed'],
        async handle() {
          startedAt = performance.now();
        },
      });
      // A poll this slow cannot explain a fast reaction.
      await setUp([consumer], { relay: { pollMs: 60_000 } });
      const latencies: number[] = [];
      for (let n = 0; n < 5; n += 1) {
        startedAt = 0;
        const committedAt = performance.now();
        await commitChange(database.db, 'k', n);
        await eventually(() => expect(startedAt).toBeGreaterThan(0));
        latencies.push(startedAt - committedAt);
      }
      latencies.sort((x, y) => x - y);
      expect(latencies[2]).toBeLessThan(250);
    });
  });
}
