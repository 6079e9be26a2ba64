/** The behaviour every RoomBroadcaster implementation must show; run by `memory.test.ts` and `redis.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomBroadcaster, RoomBroadcasterErrorHandler, RoomBroadcasterErrorPhase } from './port.ts';

export interface RoomBroadcasterHarness {
  /** Opens a broadcaster; broadcasters opened with the same prefix must reach each other, like replicas. */
  open(prefix: string, onError: RoomBroadcasterErrorHandler): Promise<RoomBroadcaster>;
  /** Puts a raw message on the rooms channel, bypassing publish (brokers with a wire only). */
  injectRaw?(prefix: string, raw: string): Promise<void>;
}

const eventually = (assertion: () => void | Promise<void>) =>
  vi.waitFor(assertion, { timeout: 5_000, interval: 10 });

interface ReportedError {
  error: Error;
  room?: string;
  phase: RoomBroadcasterErrorPhase;
}

/** Registers the contract suite; `basePrefix` isolates the test file, each test gets its own below it. */
export function roomBroadcasterContract(
  label: string,
  basePrefix: string,
  harness: RoomBroadcasterHarness,
): void {
  describe(`RoomBroadcaster contract: ${label}`, () => {
    const opened: RoomBroadcaster[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((broadcaster) => broadcaster.close()));
    });

    /** A fresh namespace per test, with its own error log, so no test sees another's frames. */
    function namespace() {
      const prefix = `${basePrefix}${randomUUID()}:`;
      const errors: ReportedError[] = [];
      const onError: RoomBroadcasterErrorHandler = (error, context) => errors.push({ error, ...context });
      const open = async () => {
        const broadcaster = await harness.open(prefix, onError);
        opened.push(broadcaster);
        return broadcaster;
      };
      return { prefix, errors, open };
    }

    /** A handler that records what it receives. */
    function recorder() {
      const seen: [string, string][] = [];
      const handler = (room: string, frame: string) => {
        seen.push([room, frame]);
      };
      return { seen, handler };
    }

    it('delivers each frame to every subscriber on every replica, the publishing one included', async () => {
      const ns = namespace();
      const [a, b] = [await ns.open(), await ns.open()];
      const [a1, a2, b1] = [recorder(), recorder(), recorder()];
      a.subscribe(a1.handler);
      a.subscribe(a2.handler);
      b.subscribe(b1.handler);
      await Promise.all([a.ready(), b.ready()]);

      const room = randomUUID();
      await a.publish(room, '{"type":"chat.message"}');

      await eventually(() => {
        for (const { seen } of [a1, a2, b1]) expect(seen).toEqual([[room, '{"type":"chat.message"}']]);
      });
      expect(ns.errors).toEqual([]);
    });

    it('never runs a handler synchronously inside publish', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      let calls = 0;
      broadcaster.subscribe(() => {
        calls += 1;
      });
      await broadcaster.ready();
      const publishing = broadcaster.publish(randomUUID(), 'x');
      expect(calls).toBe(0);
      await publishing;
      await eventually(() => expect(calls).toBe(1));
    });

    it("keeps one publisher's frames in publish order at every subscriber, across rooms", async () => {
      const ns = namespace();
      const [a, b] = [await ns.open(), await ns.open()];
      const [onA, onB] = [recorder(), recorder()];
      a.subscribe(onA.handler);
      b.subscribe(onB.handler);
      await Promise.all([a.ready(), b.ready()]);

      const rooms = [randomUUID(), randomUUID()];
      // Not awaited one by one: publishes in flight together must still arrive in order.
      const sent = Array.from({ length: 200 }, (_, i) => [rooms[i % 2] as string, `frame ${i}`] as const);
      await Promise.all(sent.map(([room, frame]) => a.publish(room, frame)));

      await eventually(() => {
        expect(onA.seen).toHaveLength(sent.length);
        expect(onB.seen).toHaveLength(sent.length);
      });
      expect(onA.seen).toEqual(sent);
      expect(onB.seen).toEqual(sent);
    });

    it('delivers, in order, frames published right after subscribe without waiting for ready', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      const { seen, handler } = recorder();
      broadcaster.subscribe(handler);
      const room = randomUUID();
      await Promise.all([1, 2, 3].map((n) => broadcaster.publish(room, `${n}`)));
      await eventually(() =>
        expect(seen).toEqual([
          [room, '1'],
          [room, '2'],
          [room, '3'],
        ]),
      );
    });

    it('carries frames verbatim: newlines, unicode, empty', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      const { seen, handler } = recorder();
      broadcaster.subscribe(handler);
      await broadcaster.ready();
      const room = randomUUID();
      const frames = ['line 1\nline 2\n', 'héllo ✓ 🎥', '', '\n'];
      for (const frame of frames) await broadcaster.publish(room, frame);
      await eventually(() => expect(seen).toEqual(frames.map((frame) => [room, frame])));
    });

    it('stops calling a handler once it is unsubscribed, and keeps the others', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      const removed = vi.fn();
      const kept = vi.fn();
      const unsubscribe = broadcaster.subscribe(removed);
      broadcaster.subscribe(kept);
      unsubscribe();
      unsubscribe();
      await broadcaster.ready();

      await broadcaster.publish(randomUUID(), 'x');

      await eventually(() => expect(kept).toHaveBeenCalledTimes(1));
      expect(removed).not.toHaveBeenCalled();
    });

    it('reports a throwing or rejecting handler through onError and still runs the others', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      const healthy = vi.fn();
      broadcaster.subscribe(() => {
        throw new Error('sync boom');
      });
      broadcaster.subscribe((async () => {
        throw new Error('async boom');
      }) as () => void);
      broadcaster.subscribe(healthy);
      await broadcaster.ready();

      const room = randomUUID();
      await broadcaster.publish(room, 'x');
      await broadcaster.publish(room, 'y');

      await eventually(() => {
        expect(healthy).toHaveBeenCalledTimes(2);
        expect(ns.errors).toHaveLength(4);
      });
      expect(ns.errors.map((e) => [e.phase, e.room, e.error.message]).sort()).toEqual([
        ['handler', room, 'async boom'],
        ['handler', room, 'async boom'],
        ['handler', room, 'sync boom'],
        ['handler', room, 'sync boom'],
      ]);
    });

    it('rejects room names that are empty, too long or hold a line break, and sends nothing', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      const { seen, handler } = recorder();
      broadcaster.subscribe(handler);
      await broadcaster.ready();

      for (const room of ['', 'a\nb', 'a\rb', 'x'.repeat(129)]) {
        await expect(broadcaster.publish(room, 'bad')).rejects.toThrow(RangeError);
      }
      const longest = 'x'.repeat(128);
      await broadcaster.publish(longest, 'good');
      // Delivery is ordered, so once the good frame arrives the rejected ones provably never went out.
      await eventually(() => expect(seen).toEqual([[longest, 'good']]));
    });

    const injectRaw = harness.injectRaw;
    if (injectRaw) {
      it('reports and drops malformed messages from the wire without crashing', async () => {
        const ns = namespace();
        const broadcaster = await ns.open();
        const { seen, handler } = recorder();
        broadcaster.subscribe(handler);
        await broadcaster.ready();

        await injectRaw(ns.prefix, 'no room in front');
        await injectRaw(ns.prefix, '\nframe without room');
        const room = randomUUID();
        await broadcaster.publish(room, 'ok');

        await eventually(() => expect(seen).toEqual([[room, 'ok']]));
        await eventually(() => expect(ns.errors).toHaveLength(2));
        expect(ns.errors.every((e) => e.phase === 'decode')).toBe(true);
      });
    }

    it('rejects any use after close, and closes twice harmlessly', async () => {
      const ns = namespace();
      const broadcaster = await ns.open();
      await broadcaster.close();
      await broadcaster.close();
      await expect(broadcaster.publish(randomUUID(), 'x')).rejects.toThrow(/closed/);
      expect(() => broadcaster.subscribe(() => {})).toThrow(/closed/);
    });

    it('stops delivering to a closed replica and keeps delivering to the others', async () => {
      const ns = namespace();
      const [a, b] = [await ns.open(), await ns.open()];
      const [onA, onB] = [recorder(), recorder()];
      a.subscribe(onA.handler);
      b.subscribe(onB.handler);
      await Promise.all([a.ready(), b.ready()]);
      await b.close();

      const room = randomUUID();
      await a.publish(room, 'after');
      await eventually(() => expect(onA.seen).toEqual([[room, 'after']]));
      expect(onB.seen).toEqual([]);
    });

    it('keeps separate prefixes apart', async () => {
      const [first, second] = [namespace(), namespace()];
      const [a, b] = [await first.open(), await second.open()];
      const inA = vi.fn();
      const inB = vi.fn();
      a.subscribe(inA);
      b.subscribe(inB);
      await Promise.all([a.ready(), b.ready()]);

      await b.publish(randomUUID(), 'x');

      await eventually(() => expect(inB).toHaveBeenCalledTimes(1));
      expect(inA).not.toHaveBeenCalled();
    });
  });
}
