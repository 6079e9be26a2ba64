/** The behaviour every NodeLiveness implementation must show; run by `memory.test.ts` and `redis.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeLiveness } from './port.ts';

export interface NodeLivenessHarness {
  open(): Promise<NodeLiveness>;
  /** True when separately opened stores see the same leases (Redis). */
  sharedAcrossInstances: boolean;
}

const until = async (deadlineMs: number, check: () => Promise<boolean>) => {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
};

export function nodeLivenessContract(label: string, harness: NodeLivenessHarness): void {
  describe(`NodeLiveness contract: ${label}`, () => {
    const opened: NodeLiveness[] = [];
    const open = async () => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };
    const node = () => `node-${randomUUID()}`;

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('knows a node alive while its lease runs and forgets it once the lease runs out', async () => {
      const store = await open();
      const [a, never] = [node(), node()];
      await store.renew(a, 300);
      expect(await store.alive([a, never])).toEqual(new Set([a]));
      expect(await until(2_000, async () => (await store.alive([a])).size === 0)).toBe(true);
    });

    it('keeps a node alive as long as it renews before the lease runs out', async () => {
      const store = await open();
      const a = node();
      const started = Date.now();
      while (Date.now() - started < 700) {
        await store.renew(a, 300);
        expect((await store.alive([a])).has(a)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    it('forgets a released node at once, and answers an empty question with an empty set', async () => {
      const store = await open();
      const a = node();
      await store.renew(a, 60_000);
      await store.release(a);
      expect(await store.alive([a])).toEqual(new Set());
      expect(await store.alive([])).toEqual(new Set());
    });

    it('refuses a lease that never runs out', async () => {
      const store = await open();
      await expect(store.renew(node(), 0)).rejects.toThrow(RangeError);
      await expect(store.renew(node(), 1.5)).rejects.toThrow(RangeError);
    });

    it.runIf(harness.sharedAcrossInstances)('shares leases between separately opened stores', async () => {
      const [one, two] = [await open(), await open()];
      const a = node();
      await one.renew(a, 60_000);
      expect(await two.alive([a, a])).toEqual(new Set([a]));
      await two.release(a);
      expect(await one.alive([a])).toEqual(new Set());
    });
  });
}
