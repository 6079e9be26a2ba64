import { randomUUID } from 'node:crypto';
import { loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEventPayload } from '@streamhub/contracts/events';
import { createTestDatabase } from '@streamhub/db/testing';
import { defineConsumer } from '@streamhub/infra/outbox/consumers';
import { outboxWriter } from '@streamhub/infra/outbox/writer';
import { createLogger } from '@streamhub/logger/logger';
import { describe, expect, it, vi } from 'vitest';
import { openOutbox } from './outbox.ts';

const appendEvent = outboxWriter(DOMAIN_EVENTS);

describe('openOutbox (embedded)', () => {
  it('relays a stored domain event to an app consumer running in this process', async () => {
    const database = await createTestDatabase('pglite');
    const config = loadConfig({}, { envFile: false });
    const seen: DomainEventPayload<'user.followed'>[] = [];
    const consumer = defineConsumer(DOMAIN_EVENTS, {
      name: 'test-follows',
      mode: 'idempotent',
      events: ['user.followed'],
      async handle(event) {
        seen.push(event.payload);
      },
    });
    const outbox = await openOutbox(config, database, createLogger({ level: 'silent', name: 'test' }), [
      consumer,
    ]);
    try {
      await outbox.startConsumers();
      const followed = {
        followerId: randomUUID(),
        channelId: randomUUID(),
        slug: 'chan',
        ownerId: randomUUID(),
        followedAt: new Date().toISOString(),
      };
      await database.db.transaction((tx) =>
        appendEvent(tx, 'user.followed', followed, { aggregate: `channel:${followed.channelId}` }),
      );
      await vi.waitFor(() => expect(seen).toEqual([followed]), { timeout: 5_000, interval: 10 });
      expect(outbox.relay.active).toBe(true);
    } finally {
      await outbox.close();
      await database.close();
    }
  });
});
