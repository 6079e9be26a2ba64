import { describe, expect, it } from 'vitest';
import { counterStoreContract } from './counter-store.contract.ts';
import { createMemoryCounterStore } from './memory.ts';

counterStoreContract('memory', {
  open: async () => createMemoryCounterStore(),
  sharedAcrossInstances: false,
});

describe('memory counter store', () => {
  it('rolls the window over exactly at resetAt', async () => {
    let now = 1_000;
    const store = createMemoryCounterStore({ now: () => now });
    try {
      expect(await store.hit('k', 100)).toEqual({ count: 1, resetAt: 1_100 });
      now = 1_099;
      expect(await store.hit('k', 100)).toEqual({ count: 2, resetAt: 1_100 });
      now = 1_100;
      expect(await store.hit('k', 100)).toEqual({ count: 1, resetAt: 1_200 });
    } finally {
      await store.close();
    }
  });
});
