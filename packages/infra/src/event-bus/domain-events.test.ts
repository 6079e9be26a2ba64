import { randomUUID } from 'node:crypto';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import { describe, expect, it, vi } from 'vitest';
import { createEventBus } from './factory.ts';

describe('DOMAIN_EVENTS', () => {
  it('drives a typed bus: user.registered is validated and delivered', async () => {
    const bus = await createEventBus(DOMAIN_EVENTS, { prefix: `test:domain-events:${randomUUID()}:` });
    try {
      const handler = vi.fn<(payload: { userId: string; username: string; email: string }) => void>();
      bus.subscribe('user.registered', handler);
      const payload = { userId: randomUUID(), username: 'ada', email: 'ada@example.com' };
      await expect(bus.publish('user.registered', { ...payload, userId: 'nope' })).rejects.toThrow();
      await bus.publish('user.registered', payload);
      await vi.waitFor(() => expect(handler).toHaveBeenCalledWith(payload, expect.anything()));
    } finally {
      await bus.close();
    }
  });
});
