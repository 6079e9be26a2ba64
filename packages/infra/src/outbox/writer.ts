/** The outbox writer: an event is stored in the producer's transaction, so it commits with the change. */
import { randomUUID } from 'node:crypto';
import type { Db } from '@streamhub/db/client';
import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { assertKnownEvent, type EventMap, type EventName } from '../event-bus/port.ts';

/** The channel the writer notifies on commit and the relay listens to. */
export const OUTBOX_CHANNEL = 'streamhub_outbox';

/**
 * The advisory lock (two int4 keys, "STRM" "OI") the active relay holds while it is idle, waiting for a
 * NOTIFY. A writer notifies only if it cannot take this lock shared: see `appendEvent`.
 */
export const OUTBOX_IDLE_LOCK = [0x5354524d, 0x4f49] as const;

/**
 * Session setting with which a PGlite relay asks for a NOTIFY on every commit: PGlite's writers and
 * relay share one session, where advisory locks never conflict.
 */
export const OUTBOX_NOTIFY_SETTING = 'streamhub.outbox_notify';

/** Anything that can run a statement: the database handle or, as intended, a transaction of it. */
export type OutboxExecutor = Pick<Db, 'execute'>;

export interface AppendOptions {
  /**
   * What the event is about, e.g. `user:<id>`: events of one aggregate get increasing `seq` in commit
   * order, which ordered consumers rely on. 1 to 200 characters.
   */
  aggregate: string;
}

/**
 * Validates `payload` with `schemas[name]` (throws a ZodError, so the caller's transaction rolls back)
 * and inserts the event with `tx`. Pass the transaction of the state change: then the event exists if
 * and only if the change committed. Resolves to the event's id.
 *
 * Appends of one aggregate are serialised by a transaction-scoped advisory lock taken before the row
 * draws its `seq`, so a later append of the same aggregate waits for this transaction to end and always
 * gets a higher `seq` that commits later.
 *
 * The NOTIFY that wakes the relay is sent only while the relay is idle. PostgreSQL serialises the
 * commits of notifying transactions on one lock (fsync included), which capped a notify-per-event
 * producer far below 1,000 commits/s; a busy relay polls instead. The handshake is an advisory lock:
 * the idle relay holds `OUTBOX_IDLE_LOCK` exclusively, so a writer's `pg_try_advisory_xact_lock_shared`
 * fails and it notifies. When it succeeds the relay is busy (polling), and the writer keeps that shared
 * lock until its transaction has ended, so a relay going idle (which must take the lock exclusively
 * first, then reads once more) sees every such event committed: none waits for the fallback poll.
 */
export async function appendEvent<M extends EventMap, K extends EventName<M>>(
  tx: OutboxExecutor,
  schemas: M,
  name: K,
  payload: z.input<M[K]>,
  options: AppendOptions,
): Promise<string> {
  const { id, statement } = appendEventStatement(schemas, name, payload, options);
  await tx.execute(statement);
  return id;
}

/**
 * The insert `appendEvent` runs, for a producer that makes its change and appends its event in one
 * statement (one round trip and no BEGIN/COMMIT: a single statement commits atomically on its own).
 * `onlyIf` is a boolean SQL condition, typically over the producer's own data-modifying CTE, e.g.
 * `with stored as (insert … on conflict do nothing returning 1), appended as (<statement>) …` with
 * `onlyIf` = `exists (select 1 from stored)`: the event is appended (and the aggregate's lock taken, the
 * relay notified) only when it holds. Validates `payload` as `appendEvent` does.
 */
export function appendEventStatement<M extends EventMap, K extends EventName<M>>(
  schemas: M,
  name: K,
  payload: z.input<M[K]>,
  options: AppendOptions,
  onlyIf: SQL = sql`true`,
): { id: string; statement: SQL } {
  assertKnownEvent(schemas, name).parse(payload);
  const { aggregate } = options;
  if (aggregate.length === 0 || aggregate.length > 200) {
    throw new Error('An outbox aggregate must be 1 to 200 characters long');
  }
  const id = randomUUID();
  // The input is stored, not the parsed output: consumers parse it again, as job payloads are.
  const statement = sql`
    insert into events.outbox (id, name, payload, aggregate)
    select ${id}, ${name}, ${JSON.stringify(payload)}::jsonb, ${aggregate}
    from (select pg_advisory_xact_lock(hashtextextended(${aggregate}, 0)),
                 case when current_setting(${OUTBOX_NOTIFY_SETTING}, true) = 'always'
                        then pg_notify(${OUTBOX_CHANNEL}, '')
                      when not pg_try_advisory_xact_lock_shared(${OUTBOX_IDLE_LOCK[0]}, ${OUTBOX_IDLE_LOCK[1]})
                        then pg_notify(${OUTBOX_CHANNEL}, '')
                 end
          where ${onlyIf}) as serialised`;
  return { id, statement };
}

/** `appendEvent` with the schemas bound, e.g. `outboxWriter(DOMAIN_EVENTS)`. */
export function outboxWriter<M extends EventMap>(schemas: M) {
  return <K extends EventName<M>>(
    tx: OutboxExecutor,
    name: K,
    payload: z.input<M[K]>,
    options: AppendOptions,
  ): Promise<string> => appendEvent(tx, schemas, name, payload, options);
}
