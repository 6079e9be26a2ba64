/**
 * What the outbox tests (the contract suite, the kill test and its child process) share: a small event
 * map, a state table a producer changes together with its event, and an effects table consumers write.
 */
import type { Db } from '@streamhub/db/client';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendEvent } from './writer.ts';

export const TEST_EVENTS = {
  'test.changed': z.object({ key: z.string().min(1), n: z.number().int() }),
  'test.noted': z.object({ note: z.string() }),
};

export type TestEvents = typeof TEST_EVENTS;

/** Creates the test's own tables next to the migrated schema (idempotent). */
export async function createTestTables(db: Db): Promise<void> {
  await db.execute(sql`create table if not exists public.outbox_test_state (
    key text primary key, n integer not null)`);
  await db.execute(sql`create table if not exists public.outbox_test_effects (
    ord bigint generated always as identity primary key,
    consumer text not null, event_id uuid not null, aggregate text not null, seq bigint not null)`);
}

/** Empties the outbox tables and the test's own, between tests sharing one database. */
export async function resetTestTables(db: Db): Promise<void> {
  await db.execute(sql`truncate events.outbox, events.handled, events.consumer_positions,
    public.outbox_test_state, public.outbox_test_effects`);
}

/** The state change and its event in one transaction: sets `key` to `n` and appends `test.changed`. */
export async function commitChange(db: Db, key: string, n: number): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into public.outbox_test_state (key, n) values (${key}, ${n})
      on conflict (key) do update set n = excluded.n`);
    return appendEvent(tx, TEST_EVENTS, 'test.changed', { key, n }, { aggregate: `test:${key}` });
  });
}

export interface Effect {
  consumer: string;
  eventId: string;
  aggregate: string;
  seq: number;
}

/** Records a consumer's effect; with a consumer's `tx` it commits with its handled record. */
export async function recordEffect(db: Pick<Db, 'execute'>, effect: Effect): Promise<void> {
  await db.execute(sql`insert into public.outbox_test_effects (consumer, event_id, aggregate, seq)
    values (${effect.consumer}, ${effect.eventId}, ${effect.aggregate}, ${effect.seq})`);
}

/** Every recorded effect in the order they were written. */
export async function readEffects(db: Db): Promise<Effect[]> {
  const rows = await db
    .select({
      consumer: sql<string>`consumer`,
      eventId: sql<string>`event_id::text`,
      aggregate: sql<string>`aggregate`,
      seq: sql<number>`seq::int`,
    })
    .from(sql`public.outbox_test_effects`)
    .orderBy(sql`ord`);
  return rows;
}

/** Counts rows of an `events.*` table (or any other), for assertions. */
export async function countRows(db: Db, table: string, where = 'true'): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(sql.raw(table)).where(sql.raw(where));
  return row?.n ?? 0;
}
