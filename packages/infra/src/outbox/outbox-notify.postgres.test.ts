/**
 * The writer's NOTIFY handshake on PostgreSQL: a writer notifies only while the relay is idle (holds
 * OUTBOX_IDLE_LOCK), and a writer that did not notify keeps the relay from going idle until its
 * transaction has ended, so the relay's last read before sleeping sees its event.
 */
import type { Database, Db } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqlSession, type SqlSession } from './session.ts';
import { commitChange, createTestTables, TEST_EVENTS } from './testing.ts';
import { appendEvent, OUTBOX_CHANNEL, OUTBOX_IDLE_LOCK } from './writer.ts';

describe('outbox writer NOTIFY handshake (PostgreSQL)', () => {
  let database: Database;
  let relaySession: SqlSession;
  const payloads: string[] = [];
  let unlisten: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    if (database.driver !== 'postgres') throw new Error('expected PostgreSQL');
    await createTestTables(database.db);
    relaySession = await openSqlSession(database);
    const request = await database.client.listen(OUTBOX_CHANNEL, (payload) => payloads.push(payload));
    unlisten = () => request.unlisten();
  });

  afterAll(async () => {
    await unlisten?.();
    await relaySession?.query('select pg_advisory_unlock_all()');
    await relaySession?.release();
    await database?.close();
  });

  /** The notifications of the commits so far: a marker NOTIFY commits after them and arrives after them. */
  const notificationsSoFar = async (marker: string): Promise<string[]> => {
    await database.db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, ${marker})`);
    await vi.waitFor(() => expect(payloads).toContain(marker), { timeout: 10_000, interval: 10 });
    return payloads.splice(0).filter((payload) => payload !== marker);
  };

  const lock = (fn: string) =>
    relaySession.query<{ ok: boolean }>(`select ${fn}($1, $2) as ok`, [...OUTBOX_IDLE_LOCK]);

  it('notifies while the relay is idle, and not while it is busy', async () => {
    expect((await lock('pg_try_advisory_lock'))[0]?.ok).toBe(true);
    await commitChange(database.db, 'a', 1);
    expect(await notificationsSoFar('m1')).toEqual(['']);

    expect((await lock('pg_advisory_unlock'))[0]?.ok).toBe(true);
    await commitChange(database.db, 'a', 2);
    await commitChange(database.db, 'b', 3);
    // A NOTIFY per commit serialises the producers' commits on PostgreSQL's notify lock.
    expect(await notificationsSoFar('m2')).toEqual([]);
  });

  it('keeps a busy relay from going idle until a writer that did not notify has committed', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let appended = () => {};
    const inTransaction = new Promise<void>((resolve) => {
      appended = resolve;
    });
    const writer = (database.db as Db).transaction(async (tx) => {
      await appendEvent(tx, TEST_EVENTS, 'test.changed', { key: 'c', n: 4 }, { aggregate: 'test:c' });
      appended();
      await held;
    });
    await inTransaction;
    // The relay cannot go idle now: had it, its last read would miss this event and nobody notifies.
    expect((await lock('pg_try_advisory_lock'))[0]?.ok).toBe(false);
    release();
    await writer;
    expect((await lock('pg_try_advisory_lock'))[0]?.ok).toBe(true);
    // Taken only after the commit is visible: the relay's next read sees the event.
    const [row] = await relaySession.query<{ n: number }>(
      "select count(*)::int as n from events.outbox where aggregate = 'test:c' and published_at is null",
    );
    expect(row?.n).toBe(1);
    expect(await notificationsSoFar('m3')).toEqual([]);
    await lock('pg_advisory_unlock');
  });
});
