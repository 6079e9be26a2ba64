/**
 * The outbox relay: turns each stored event into one job per subscribed consumer, then marks it
 * published. Any process may run one; a PostgreSQL session advisory lock makes one of them active and
 * the others stand by until its connection goes away.
 */
import type { Database } from '@streamhub/db/client';
import type { EventMap } from '../event-bus/port.ts';
import type { JobQueue } from '../jobs/port.ts';
import { toError } from '../shared/timers.ts';
import {
  type ConsumerJob,
  type ConsumerJobDefinitions,
  type ConsumerRegistry,
  consumerJobId,
  consumerJobName,
} from './consumers.ts';
import { listenTo, openSqlSession, poolQuery, type SqlSession } from './session.ts';
import { OUTBOX_CHANNEL, OUTBOX_IDLE_LOCK, OUTBOX_NOTIFY_SETTING } from './writer.ts';

export interface OutboxRelayOptions<M extends EventMap> {
  database: Database;
  registry: ConsumerRegistry<M>;
  /** Where consumer jobs go; only `enqueue` is used, so a relay needs no workers. */
  queue: Pick<JobQueue<ConsumerJobDefinitions>, 'enqueue'>;
  /** React to the writer's NOTIFY (default true); without it the relay only polls. */
  listen?: boolean;
  /** Poll interval: the fallback with LISTEN (default 1 s), the reaction time without (default 20 ms). */
  pollMs?: number;
  /**
   * With LISTEN, the pause between passes while events keep coming (writers do not notify a busy
   * relay), and after a NOTIFY wakes an idle relay, so that a burst of commits is relayed in a few
   * passes instead of one each (default 10 ms).
   */
  gatherMs?: number;
  /** Events relayed per round trip (default 500). */
  batchSize?: number;
  /** Published events, handled records and ordered positions are kept this long (default 7 days). */
  retentionMs?: number;
  /** How often the active relay prunes (default 10 min). */
  pruneIntervalMs?: number;
  /** How often a standby relay tries to become the active one (default 2 s). */
  standbyRetryMs?: number;
  onError?(error: Error): void;
  /**
   * Called after a batch's jobs are enqueued and before its rows are marked published: the window a
   * crash leaves re-enqueued. For tracing, and for the test that kills a relay right there.
   */
  afterEnqueue?(eventIds: string[]): void | Promise<void>;
  /** Called when this relay becomes the active one or stops being it. */
  onActiveChange?(active: boolean): void;
}

export interface OutboxStats {
  /** Stored events not yet relayed. */
  backlog: number;
  /** Age in seconds of the oldest event not yet relayed (0 when none waits). */
  lagSeconds: number;
}

export interface OutboxRelayCounters {
  /** Events this relay marked published. */
  published: number;
  /** Consumer jobs this relay enqueued (re-enqueues of a job that already exists included). */
  enqueued: number;
  /** Rows pruned by this relay (events, handled records, positions). */
  pruned: number;
  /** Relay passes that failed (lost connection, a failing enqueue). */
  errors: number;
}

export interface OutboxRelay {
  /** Starts the loop (in the background); resolves once LISTEN is in place. */
  start(): Promise<void>;
  /** Whether this relay is the active one right now. */
  readonly active: boolean;
  readonly counters: Readonly<OutboxRelayCounters>;
  /** Backlog and lag as the database sees them; any process can ask, active or not. */
  stats(): Promise<OutboxStats>;
  /** Prunes now instead of at the next interval (active or not); resolves to the rows removed. */
  pruneNow(): Promise<number>;
  /** Stops the loop, releases the lock and its connection. Safe to call twice. */
  close(): Promise<void>;
}

// Two int4 keys: a different lock space from the migrator's single bigint key.
const LOCK_KEYS = [0x5354524d, 0x4f42] as const; // "STRM", "OB"

// Several replicas on one PGlite are impossible (one process owns the directory), but two relays in one
// process share PGlite's single session, where advisory locks are re-entrant: claim leadership here.
const pgliteLeaders = new WeakMap<object, symbol>();

interface StoredRow extends Record<string, unknown> {
  seq: string;
  id: string;
  name: string;
  payload: unknown;
  aggregate: string;
  created_at: Date | string;
}

/** Creates a relay; nothing runs until `start()`. */
export function createOutboxRelay<M extends EventMap>(options: OutboxRelayOptions<M>): OutboxRelay {
  const { database, registry, queue } = options;
  const listen = options.listen ?? true;
  const pollMs = options.pollMs ?? (listen ? 1_000 : 20);
  const batchSize = options.batchSize ?? 500;
  const gatherMs = options.gatherMs ?? 10;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 10 * 60_000;
  const standbyRetryMs = options.standbyRetryMs ?? 2_000;
  const onError = options.onError ?? ((error: Error) => console.error('[streamhub:outbox]', error));
  const counters: OutboxRelayCounters = { published: 0, enqueued: 0, pruned: 0, errors: 0 };
  const identity = Symbol('outbox relay');

  let session: SqlSession | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let loop: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;
  let woken = false;
  // Whether writers notify this relay now: it holds OUTBOX_IDLE_LOCK (PostgreSQL) or listens on PGlite.
  let idle = false;
  let wake = () => {};
  let nextPruneAt = 0;
  let idleTries = 0;

  const notified = () => {
    woken = true;
    wake();
  };

  /** Resolves after `ms`, or earlier on a NOTIFY (when `wakeable`) or close. */
  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (closed || (wakeable && woken)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = () => {};
        resolve();
      }
      wake = wakeable ? done : () => {};
      stopPause = done;
    });
  let stopPause = () => {};

  const setActive = (next: SqlSession | undefined) => {
    const was = session !== undefined;
    session = next;
    if (was !== (next !== undefined)) options.onActiveChange?.(next !== undefined);
  };

  /** Tries to become the active relay; returns the session holding the lock, or undefined. */
  const tryLead = async (): Promise<SqlSession | undefined> => {
    if (database.driver === 'pglite') {
      const holder = pgliteLeaders.get(database.client);
      if (holder && holder !== identity) return undefined;
      pgliteLeaders.set(database.client, identity);
      const own = await openSqlSession(database);
      // One session for writers and relay: no lock handshake, a NOTIFY on every commit (cheap there).
      if (listen) await own.query(`set ${OUTBOX_NOTIFY_SETTING} = 'always'`);
      return own;
    }
    const candidate = await openSqlSession(database);
    try {
      const [row] = await candidate.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1, $2) as locked',
        [...LOCK_KEYS],
      );
      if (row?.locked) return candidate;
    } catch (error) {
      await candidate.release();
      throw error;
    }
    await candidate.release();
    return undefined;
  };

  const stepDown = async () => {
    const current = session;
    if (!current) return;
    setActive(undefined);
    idle = false;
    if (database.driver === 'pglite') {
      if (pgliteLeaders.get(database.client) === identity) {
        pgliteLeaders.delete(database.client);
        if (listen) await current.query(`reset ${OUTBOX_NOTIFY_SETTING}`).catch(() => {});
      }
    } else {
      // A pooled connection must not go back still holding the locks (leadership, idle); a dead one has
      // lost them already.
      await current.query('select pg_advisory_unlock_all()').catch(() => {});
    }
    await current.release();
  };

  /** Relays one batch; resolves to how many rows it read. */
  const relayBatch = async (active: SqlSession): Promise<number> => {
    const rows = await active.query<StoredRow>(
      `select seq::text as seq, id::text as id, name, payload, aggregate, created_at
         from events.outbox where published_at is null order by seq limit $1`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const outcomes = await Promise.allSettled(rows.map((row) => enqueueAll(row)));
    const done: StoredRow[] = [];
    const failed: StoredRow[] = [];
    let firstError: Error | undefined;
    rows.forEach((row, index) => {
      const outcome = outcomes[index];
      if (outcome?.status === 'fulfilled') done.push(row);
      else {
        failed.push(row);
        firstError ??= toError(outcome?.reason);
      }
    });
    if (done.length > 0) {
      await options.afterEnqueue?.(done.map((row) => row.id));
      await active.query(
        `update events.outbox set published_at = now(), attempts = attempts + 1
          where seq in (select jsonb_array_elements_text($1::jsonb)::bigint)`,
        [JSON.stringify(done.map((row) => row.seq))],
      );
      counters.published += done.length;
    }
    if (failed.length > 0) {
      await active.query(
        `update events.outbox set attempts = attempts + 1
          where seq in (select jsonb_array_elements_text($1::jsonb)::bigint)`,
        [JSON.stringify(failed.map((row) => row.seq))],
      );
      throw new Error(`Could not enqueue ${failed.length} outbox event(s); they stay for the next pass`, {
        cause: firstError,
      });
    }
    return rows.length;
  };

  const enqueueAll = async (row: StoredRow): Promise<void> => {
    const job: ConsumerJob = {
      id: row.id,
      name: row.name,
      aggregate: row.aggregate,
      seq: Number(row.seq),
      payload: row.payload,
      createdAt: new Date(row.created_at).toISOString(),
    };
    await Promise.all(
      registry.subscribersOf(row.name).map(async (consumer) => {
        // Deterministic: a relay that died after enqueueing and before marking re-enqueues a no-op.
        await queue.enqueue(consumerJobName(consumer.name), job, {
          jobId: consumerJobId(row.id, consumer.name),
        });
        counters.enqueued += 1;
      }),
    );
  };

  /**
   * Takes OUTBOX_IDLE_LOCK, from which on writers notify; fails while a writer that saw this relay busy
   * (and so did not notify) has not ended its transaction. PGlite: always idle when listening.
   */
  const tryIdle = async (active: SqlSession): Promise<boolean> => {
    if (database.driver === 'pglite') return true;
    const [row] = await active.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
      ...OUTBOX_IDLE_LOCK,
    ]);
    return row?.locked === true;
  };

  /** Releases OUTBOX_IDLE_LOCK: writers stop notifying, this relay polls every `gatherMs` instead. */
  const goBusy = async (active: SqlSession) => {
    if (database.driver === 'postgres')
      await active.query('select pg_advisory_unlock($1, $2)', [...OUTBOX_IDLE_LOCK]);
    idle = false;
  };

  const prune = async (active: SqlSession): Promise<number> => {
    const params = [retentionMs];
    let removed = 0;
    for (const statement of [
      "delete from events.outbox where published_at < now() - $1 * interval '1 millisecond'",
      "delete from events.handled where handled_at < now() - $1 * interval '1 millisecond'",
      // A position untouched for twice the retention covers only events pruned long ago.
      "delete from events.consumer_positions where updated_at < now() - 2 * $1 * interval '1 millisecond'",
    ]) {
      const [row] = await active.query<{ n: number }>(
        `with gone as (${statement} returning 1) select count(*)::int as n from gone`,
        params,
      );
      removed += row?.n ?? 0;
    }
    counters.pruned += removed;
    nextPruneAt = Date.now() + pruneIntervalMs;
    return removed;
  };

  const run = async () => {
    while (!closed) {
      try {
        if (!session) {
          const lead = await tryLead();
          if (!lead) {
            await pause(standbyRetryMs, false);
            continue;
          }
          setActive(lead);
          nextPruneAt = 0;
          idleTries = 0;
        }
        const active = session;
        if (!active) continue;
        woken = false;
        const read = await relayBatch(active);
        if (Date.now() >= nextPruneAt) await prune(active);
        // A full batch means more is waiting: go again at once.
        if (read >= batchSize) continue;
        if (!listen) {
          await pause(pollMs, false);
        } else if (read > 0) {
          // Events are coming: poll, and spare the writers their NOTIFY (and its commit lock).
          if (idle) await goBusy(active);
          idleTries = 0;
          await pause(gatherMs, false);
        } else if (!idle) {
          // Nothing waits: go idle, then read once more for the writers that committed meanwhile. A
          // writer still in its transaction keeps the lock from us: poll on, backing off to 50 ms.
          idle = await tryIdle(active);
          idleTries = idle ? 0 : idleTries + 1;
          if (!idle) await pause(Math.min(gatherMs * 2 ** idleTries, 50), false);
        } else {
          await pause(pollMs, true);
          if (woken && gatherMs > 0) await pause(gatherMs, false);
        }
      } catch (error) {
        counters.errors += 1;
        if (!closed) onError(toError(error));
        // Whatever broke (connection, Redis), start again from a fresh session after a pause.
        await stepDown().catch((stepError: unknown) => onError(toError(stepError)));
        await pause(Math.min(pollMs * 10, 1_000), false);
      }
    }
    await stepDown().catch((error: unknown) => onError(toError(error)));
  };

  return {
    async start() {
      if (loop) throw new Error('Outbox relay already started');
      if (closed) throw new Error('Outbox relay is closed');
      if (listen) unlisten = await listenTo(database, OUTBOX_CHANNEL, notified);
      loop = run();
    },

    get active() {
      return session !== undefined;
    },

    counters,

    async stats() {
      const [row] = await poolQuery<{ backlog: number; lag: number }>(
        database,
        `select count(*)::int as backlog,
                coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as lag
           from events.outbox where published_at is null`,
      );
      return { backlog: row?.backlog ?? 0, lagSeconds: Math.max(0, row?.lag ?? 0) };
    },

    async pruneNow() {
      if (session) return prune(session);
      const own = await openSqlSession(database);
      try {
        return await prune(own);
      } finally {
        await own.release();
      }
    },

    close() {
      closing ??= (async () => {
        closed = true;
        stopPause();
        await loop;
        await unlisten?.().catch((error: unknown) => onError(toError(error)));
        if (!loop) await stepDown();
      })();
      return closing;
    },
  };
}
