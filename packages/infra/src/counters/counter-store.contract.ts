/** The behaviour every CounterStore implementation must show; run by `memory.test.ts` and `redis.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CounterStore } from './port.ts';

export interface CounterStoreHarness {
  open(): Promise<CounterStore>;
  /** True when separately opened stores see the same counts (shared broker, e.g. Redis). */
  sharedAcrossInstances: boolean;
}

const WINDOW_MS = 200;

/** Registers the contract suite. Every test uses its own random keys, so order never matters. */
export function counterStoreContract(label: string, harness: CounterStoreHarness): void {
  describe(`CounterStore contract: ${label}`, () => {
    const opened: CounterStore[] = [];
    const open = async () => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };
    const key = () => `test:${randomUUID()}`;

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('counts hits within one window that ends windowMs after the first hit', async () => {
      const store = await open();
      const k = key();
      const before = Date.now();
      const first = await store.hit(k, 10_000);
      const second = await store.hit(k, 10_000);
      const third = await store.hit(k, 10_000);

      expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
      expect(first.resetAt).toBeGreaterThanOrEqual(before + 10_000 - 50);
      expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 10_000 + 50);
      expect(Math.abs(third.resetAt - first.resetAt)).toBeLessThanOrEqual(50);
    });

    it('starts a new window at 1 once the old one is over', async () => {
      const store = await open();
      const k = key();
      await store.hit(k, WINDOW_MS);
      expect((await store.hit(k, WINDOW_MS)).count).toBe(2);

      // Every poll is itself a hit, so the first count of 1 proves the window rolled over.
      await vi.waitFor(async () => expect((await store.hit(k, WINDOW_MS)).count).toBe(1), {
        timeout: WINDOW_MS * 10,
        interval: 20,
      });
      expect((await store.hit(k, WINDOW_MS)).count).toBe(2);
    });

    it('keeps keys independent', async () => {
      const store = await open();
      const [a, b] = [key(), key()];
      await store.hit(a, 10_000);
      await store.hit(a, 10_000);
      expect((await store.hit(b, 10_000)).count).toBe(1);
      expect((await store.hit(a, 10_000)).count).toBe(3);
    });

    it('peeks at a window without counting, and sees nothing once it is over', async () => {
      const store = await open();
      const k = key();
      expect(await store.peek(k)).toBeUndefined();
      const hit = await store.hit(k, WINDOW_MS);
      const peeked = await store.peek(k);
      expect(peeked?.count).toBe(1);
      expect(Math.abs((peeked?.resetAt ?? 0) - hit.resetAt)).toBeLessThan(50);
      expect((await store.peek(k))?.count).toBe(1);
      await vi.waitFor(async () => expect(await store.peek(k)).toBeUndefined(), {
        timeout: 2_000,
        interval: 25,
      });
    });

    it('forgets a key on reset', async () => {
      const store = await open();
      const k = key();
      await store.hit(k, 10_000);
      await store.hit(k, 10_000);
      await store.reset(k);
      await store.reset(key());
      expect((await store.hit(k, 10_000)).count).toBe(1);
    });

    it('counts concurrent hits exactly once each', async () => {
      const store = await open();
      const k = key();
      const hits = await Promise.all(Array.from({ length: 50 }, () => store.hit(k, 10_000)));
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('rejects a window that is not a positive integer', async () => {
      const store = await open();
      await expect(store.hit(key(), 0)).rejects.toThrow(RangeError);
      await expect(store.hit(key(), 1.5)).rejects.toThrow(RangeError);
    });

    if (harness.sharedAcrossInstances) {
      it('shares counts between store instances (replicas)', async () => {
        const [a, b] = [await open(), await open()];
        const k = key();
        expect((await a.hit(k, 10_000)).count).toBe(1);
        expect((await b.hit(k, 10_000)).count).toBe(2);
        expect((await a.hit(k, 10_000)).count).toBe(3);
        await b.reset(k);
        expect((await a.hit(k, 10_000)).count).toBe(1);
      });
    }
  });
}
