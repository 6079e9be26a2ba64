import { describe, expect, it } from 'vitest';
import { createMemoryPresenceStore } from './memory.ts';
import { presenceStoreContract } from './presence-store.contract.ts';

presenceStoreContract('memory', 'test:presence:memory:', {
  open: async (prefix) => createMemoryPresenceStore({ prefix }),
});

describe('memory presence store', () => {
  it('ends a hold exactly at now + ttl', async () => {
    let now = 1_000;
    const store = createMemoryPresenceStore({ prefix: 'test:presence:clock:', now: () => now });
    try {
      await store.touch('room', 'v:ada', 'replica-a', 100);
      now = 1_099;
      expect(await store.count('room')).toBe(1);
      now = 1_100;
      expect(await store.count('room')).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('forgets the shared state with the last store of a prefix, and refuses use after close', async () => {
    const prefix = 'test:presence:lifecycle:';
    const [a, b] = [createMemoryPresenceStore({ prefix }), createMemoryPresenceStore({ prefix })];
    await a.touch('room', 'v:ada', 'replica-a', 60_000);
    await a.close();
    expect(await b.count('room')).toBe(1);
    await expect(a.count('room')).rejects.toThrow(/closed/);
    await b.close();
    const c = createMemoryPresenceStore({ prefix });
    try {
      expect(await c.count('room')).toBe(0);
    } finally {
      await c.close();
    }
  });
});
