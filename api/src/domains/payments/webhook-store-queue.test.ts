/**
 * Webhooks received together are stored together (`WebhookStoreQueue` over
 * `PaymentsRepository.storeEvents`), on PGlite and PostgreSQL: each event once with exactly one durable
 * event, a second delivery inside the same group answered as a replay, and one event the database
 * refuses failing only its own store.
 */
import { randomUUID } from 'node:crypto';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import type { Database } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { appendEventStatement } from '@streamhub/infra/outbox/writer';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentsRepository } from './payments.repository.ts';
import { type StoreRequest, WebhookStoreQueue } from './webhook-store-queue.ts';

describe.each(testDatabases())('webhook stores grouped on %s', (driver) => {
  let database: Database;
  let queue: WebhookStoreQueue;
  const statements: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    const payments = new PaymentsRepository(database.db);
    queue = new WebhookStoreQueue((requests) => {
      statements.push(requests.length);
      return payments.storeEvents(requests);
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  const request = (eventId: string, payload: Record<string, unknown> = { id: eventId }): StoreRequest => {
    const aggregate = `stripe:${eventId}`;
    return {
      event: { provider: 'stripe', eventId, type: 'checkout.session.completed', payload },
      aggregate,
      append: (onlyIfStored) =>
        appendEventStatement(
          DOMAIN_EVENTS,
          'payment.webhook_received',
          { provider: 'stripe', eventId, type: 'checkout.session.completed' },
          { aggregate },
          onlyIfStored,
        ).statement,
    };
  };

  const count = async (query: ReturnType<typeof sql>) =>
    rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n;
  const storedCount = (ids: string[]) =>
    count(sql`select count(*)::int as n from payments.provider_events
              where event_id in (${sql.join(ids, sql`, `)})`);
  const appendedCount = (ids: string[]) =>
    count(sql`select count(*)::int as n from events.outbox
              where name = 'payment.webhook_received' and payload->>'eventId' in (${sql.join(ids, sql`, `)})`);

  it('stores events asked for in one turn in one statement, each once, a second delivery as a replay', async () => {
    const ids = Array.from({ length: 20 }, () => `evt_${randomUUID()}`);
    statements.length = 0;
    const first = ids.map((id) => queue.store(request(id)));
    const again = ids.slice(0, 5).map((id) => queue.store(request(id)));
    expect(await Promise.all(first)).toEqual(ids.map(() => true));
    expect(await Promise.all(again)).toEqual([false, false, false, false, false]);
    expect(statements).toEqual([20]);
    expect(await storedCount(ids)).toBe(20);
    expect(await appendedCount(ids)).toBe(20);

    // Replays in a later group, mixed with a new event: only the new one is stored and appended.
    const fresh = `evt_${randomUUID()}`;
    const later = await Promise.all([...ids.slice(0, 3), fresh].map((id) => queue.store(request(id))));
    expect(later).toEqual([false, false, false, true]);
    expect(await storedCount([...ids, fresh])).toBe(21);
    expect(await appendedCount([...ids, fresh])).toBe(21);
  });

  it('fails only the store the database refuses; the others of its group are stored', async () => {
    const ids = Array.from({ length: 4 }, () => `evt_${randomUUID()}`);
    const bad = `evt_${randomUUID()}`;
    statements.length = 0;
    const stores = [
      ...ids.map((id) => queue.store(request(id))),
      // jsonb cannot hold U+0000: the grouped statement fails, then each is tried alone.
      queue.store(request(bad, { id: bad, text: 'nul \u0000 here' })),
    ];
    const outcomes = await Promise.allSettled(stores);
    expect(outcomes.slice(0, 4)).toEqual(ids.map(() => ({ status: 'fulfilled', value: true })));
    expect(outcomes[4]?.status).toBe('rejected');
    expect(statements[0]).toBe(5);
    expect(await storedCount([...ids, bad])).toBe(4);
    expect(await appendedCount([...ids, bad])).toBe(4);
  });
});
