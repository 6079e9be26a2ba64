/** The behaviour every PresenceStore implementation must show; run by `memory.test.ts` and `redis.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PresenceStore } from './port.ts';

export interface PresenceStoreHarness {
  /** Opens a store; stores opened with the same prefix must share presence, like replicas. */
  open(prefix: string): Promise<PresenceStore>;
}

const LONG_TTL = 60_000;
const SHORT_TTL = 150;

const eventually = (assertion: () => void | Promise<void>) =>
  vi.waitFor(assertion, { timeout: SHORT_TTL * 20, interval: 20 });

/** Registers the contract suite; `basePrefix` isolates the test file, each test gets its own below it. */
export function presenceStoreContract(
  label: string,
  basePrefix: string,
  harness: PresenceStoreHarness,
): void {
  describe(`PresenceStore contract: ${label}`, () => {
    const opened: PresenceStore[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    /** A fresh prefix per call; the function it returns opens one more store ("replica") on it. */
    function namespace(): () => Promise<PresenceStore> {
      const prefix = `${basePrefix}${randomUUID()}:`;
      return async () => {
        const store = await harness.open(prefix);
        opened.push(store);
        return store;
      };
    }

    const open = () => namespace()();
    const room = () => randomUUID();

    it('counts a viewer held by three holders once, and each distinct viewer once', async () => {
      const store = await open();
      const r = room();
      expect(await store.count(r)).toBe(0);
      for (const holder of ['replica-a', 'replica-b', 'hls']) await store.touch(r, 'v:ada', holder, LONG_TTL);
      expect(await store.count(r)).toBe(1);
      await store.touch(r, 'v:bob', 'replica-a', LONG_TTL);
      await store.touch(r, 'v:ada', 'replica-a', LONG_TTL);
      expect(await store.count(r)).toBe(2);
    });

    it('keeps a released viewer counted while another holder still holds it', async () => {
      const store = await open();
      const r = room();
      await store.touch(r, 'v:ada', 'replica-a', LONG_TTL);
      await store.touch(r, 'v:ada', 'replica-b', LONG_TTL);
      await store.release(r, 'v:ada', 'replica-a');
      expect(await store.count(r)).toBe(1);
      await store.release(r, 'v:ada', 'replica-a');
      await store.release(r, 'v:nobody', 'replica-a');
      await store.release(room(), 'v:ada', 'replica-b');
      expect(await store.count(r)).toBe(1);
      await store.release(r, 'v:ada', 'replica-b');
      expect(await store.count(r)).toBe(0);
    });

    it('drops a hold once its ttl has passed', async () => {
      const store = await open();
      const r = room();
      await store.touch(r, 'v:ada', 'replica-a', SHORT_TTL);
      await store.touch(r, 'v:bob', 'replica-a', LONG_TTL);
      expect(await store.count(r)).toBe(2);
      await eventually(async () => expect(await store.count(r)).toBe(1));
      expect((await store.counts([r])).get(r)).toBe(1);
    });

    it('keeps a viewer while a longer hold lasts, and a touch sets the expiry rather than extending it', async () => {
      const store = await open();
      const r = room();
      await store.touch(r, 'v:ada', 'hls', SHORT_TTL);
      await store.touch(r, 'v:ada', 'replica-a', LONG_TTL);
      // Shortening the replica's hold too: only the expiry set last counts.
      await store.touch(r, 'v:ada', 'replica-a', SHORT_TTL);
      expect(await store.count(r)).toBe(1);
      await eventually(async () => expect(await store.count(r)).toBe(0));
      // A refreshed hold brings the viewer back.
      await store.touch(r, 'v:ada', 'hls', LONG_TTL);
      expect(await store.count(r)).toBe(1);
    });

    it('counts many rooms at once, with an entry for every room asked', async () => {
      const store = await open();
      const [busy, quiet, empty] = [room(), room(), room()];
      for (const viewer of ['v:1', 'v:2', 'v:3']) await store.touch(busy, viewer, 'replica-a', LONG_TTL);
      await store.touch(busy, 'v:1', 'replica-b', LONG_TTL);
      await store.touch(quiet, 'v:1', 'replica-a', LONG_TTL);

      const counts = await store.counts([busy, quiet, empty, busy]);
      expect(Object.fromEntries(counts)).toEqual({ [busy]: 3, [quiet]: 1, [empty]: 0 });
      expect((await store.counts([])).size).toBe(0);
    });

    it('keeps rooms independent: one viewer in two rooms counts in each', async () => {
      const store = await open();
      const [a, b] = [room(), room()];
      await store.touch(a, 'v:ada', 'replica-a', LONG_TTL);
      await store.touch(b, 'v:ada', 'replica-a', LONG_TTL);
      await store.release(a, 'v:ada', 'replica-a');
      expect(await store.count(a)).toBe(0);
      expect(await store.count(b)).toBe(1);
    });

    it('counts concurrent touches of distinct viewers exactly', async () => {
      const store = await open();
      const r = room();
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.touch(r, `v:${i}`, `h:${i % 3}`, LONG_TTL)),
      );
      expect(await store.count(r)).toBe(100);
    });

    it('accepts ids with separators other than NUL, up to 128 characters', async () => {
      const store = await open();
      const r = room();
      await store.touch(r, `u:${'x'.repeat(126)}`, 'replica:1\n', LONG_TTL);
      await store.touch(r, 'v: ✓ \t', 'hls', LONG_TTL);
      expect(await store.count(r)).toBe(2);
    });

    it('rejects ids with the separator, empty or too long ids, bad rooms and bad ttls', async () => {
      const store = await open();
      const r = room();
      const bad: [string, string, string, number][] = [
        [r, 'v:a\u0000b', 'replica-a', LONG_TTL],
        [r, 'v:a', 'replica\u0000a', LONG_TTL],
        [r, '', 'replica-a', LONG_TTL],
        [r, 'v:a', '', LONG_TTL],
        [r, 'x'.repeat(129), 'replica-a', LONG_TTL],
        [r, 'v:a', 'x'.repeat(129), LONG_TTL],
        ['', 'v:a', 'replica-a', LONG_TTL],
        ['a\nb', 'v:a', 'replica-a', LONG_TTL],
        ['x'.repeat(129), 'v:a', 'replica-a', LONG_TTL],
        [r, 'v:a', 'replica-a', 0],
        [r, 'v:a', 'replica-a', -1],
        [r, 'v:a', 'replica-a', 1.5],
        [r, 'v:a', 'replica-a', Number.NaN],
      ];
      for (const [badRoom, viewer, holder, ttl] of bad) {
        await expect(store.touch(badRoom, viewer, holder, ttl)).rejects.toThrow(RangeError);
      }
      await expect(store.release(r, 'v:a\u0000b', 'replica-a')).rejects.toThrow(RangeError);
      await expect(store.count('a\nb')).rejects.toThrow(RangeError);
      await expect(store.counts([r, ''])).rejects.toThrow(RangeError);
      expect(await store.count(r)).toBe(0);
    });

    it('shares presence between stores on one prefix (replicas see the union)', async () => {
      const replica = namespace();
      const [a, b] = [await replica(), await replica()];
      const r = room();
      await a.touch(r, 'v:ada', 'replica-a', LONG_TTL);
      await b.touch(r, 'v:ada', 'replica-b', LONG_TTL);
      await b.touch(r, 'v:bob', 'replica-b', LONG_TTL);
      expect(await a.count(r)).toBe(2);
      expect(Object.fromEntries(await b.counts([r]))).toEqual({ [r]: 2 });

      // Replica b goes away without releasing (a crash): its holds lapse, a's remain.
      await b.touch(r, 'v:bob', 'replica-b', SHORT_TTL);
      await b.touch(r, 'v:ada', 'replica-b', SHORT_TTL);
      await eventually(async () => expect(await a.count(r)).toBe(1));
      await a.release(r, 'v:ada', 'replica-a');
      expect(await b.count(r)).toBe(0);
    });

    it('keeps separate prefixes apart', async () => {
      const [a, b] = [await open(), await open()];
      const r = room();
      await a.touch(r, 'v:ada', 'replica-a', LONG_TTL);
      expect(await a.count(r)).toBe(1);
      expect(await b.count(r)).toBe(0);
    });
  });
}
