/** The behaviour every EventBus implementation must show; run by `memory.test.ts` and `redis.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { EventBus, EventBusErrorHandler, EventBusErrorPhase, EventMeta } from './port.ts';

export const TEST_EVENTS = {
  'user.registered': z.object({ userId: z.uuid(), username: z.string().trim(), email: z.string() }),
  'test.ping': z.object({ n: z.number().int() }),
};

export type TestEvents = typeof TEST_EVENTS;

export interface EventBusHarness {
  /** Opens a bus; buses opened with the same prefix must reach each other, like replicas. */
  open(prefix: string, onError: EventBusErrorHandler): Promise<EventBus<TestEvents>>;
  /** Puts a raw message on an event's channel, bypassing publish (brokers with a wire only). */
  injectRaw?(prefix: string, event: string, raw: string): Promise<void>;
}

const eventually = (assertion: () => void | Promise<void>) =>
  vi.waitFor(assertion, { timeout: 5_000, interval: 10 });

interface ReportedError {
  error: Error;
  event?: string;
  phase: EventBusErrorPhase;
}

/** Registers the contract suite; `basePrefix` isolates the test file, each test gets its own below it. */
export function eventBusContract(label: string, basePrefix: string, harness: EventBusHarness): void {
  describe(`EventBus contract: ${label}`, () => {
    const opened: EventBus<TestEvents>[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });

    /** A fresh namespace per test, with its own error log, so no test sees another's events. */
    function namespace() {
      const prefix = `${basePrefix}${randomUUID()}:`;
      const errors: ReportedError[] = [];
      const onError: EventBusErrorHandler = (error, context) => errors.push({ error, ...context });
      const open = async () => {
        const bus = await harness.open(prefix, onError);
        opened.push(bus);
        return bus;
      };
      return { prefix, errors, open };
    }

    const registered = () => ({ userId: randomUUID(), username: '  ada  ', email: 'ada@example.com' });

    it('delivers each event to subscribers on every replica, validated and with shared meta', async () => {
      const ns = namespace();
      const [a, b] = [await ns.open(), await ns.open()];
      const seenA: [unknown, EventMeta][] = [];
      const seenB: [unknown, EventMeta][] = [];
      a.subscribe('user.registered', (payload, meta) => {
        seenA.push([payload, meta]);
      });
      b.subscribe('user.registered', (payload, meta) => {
        seenB.push([payload, meta]);
      });
      await Promise.all([a.ready(), b.ready()]);

      const payload = registered();
      await a.publish('user.registered', payload);

      await eventually(() => {
        expect(seenA).toHaveLength(1);
        expect(seenB).toHaveLength(1);
      });
      const [[payloadA, metaA]] = seenA as [[unknown, EventMeta]];
      const [[payloadB, metaB]] = seenB as [[unknown, EventMeta]];
      expect(payloadA).toEqual({ ...payload, username: 'ada' });
      expect(payloadB).toEqual({ ...payload, username: 'ada' });
      expect(metaA.id).toBe(metaB.id);
      expect(new Date(metaA.occurredAt).toISOString()).toBe(metaA.occurredAt);
      expect(ns.errors).toEqual([]);
    });

    it('never runs a handler synchronously inside publish', async () => {
      const ns = namespace();
      const bus = await ns.open();
      let calls = 0;
      bus.subscribe('test.ping', () => {
        calls += 1;
      });
      await bus.ready();
      const publishing = bus.publish('test.ping', { n: 1 });
      expect(calls).toBe(0);
      await publishing;
      await eventually(() => expect(calls).toBe(1));
    });

    it('stops calling a handler once it is unsubscribed, and keeps the others', async () => {
      const ns = namespace();
      const bus = await ns.open();
      const removed = vi.fn();
      const kept = vi.fn();
      const unsubscribe = bus.subscribe('test.ping', removed);
      bus.subscribe('test.ping', kept);
      unsubscribe();
      unsubscribe();
      await bus.ready();

      await bus.publish('test.ping', { n: 1 });

      await eventually(() => expect(kept).toHaveBeenCalledTimes(1));
      expect(removed).not.toHaveBeenCalled();
    });

    it('rejects an invalid payload on publish and delivers nothing', async () => {
      const ns = namespace();
      const bus = await ns.open();
      const onRegistered = vi.fn();
      const onPing = vi.fn();
      bus.subscribe('user.registered', onRegistered);
      bus.subscribe('test.ping', onPing);
      await bus.ready();

      const invalid = { userId: 'not-a-uuid', username: 'ada', email: 'ada@example.com' };
      await expect(bus.publish('user.registered', invalid)).rejects.toThrow(z.ZodError);
      await expect(bus.publish('test.ping', { n: 'one' } as unknown as { n: number })).rejects.toThrow();
      // Delivery is ordered, so once a later event arrives the rejected ones provably never went out.
      await bus.publish('test.ping', { n: 2 });

      await eventually(() => expect(onPing).toHaveBeenCalledTimes(1));
      expect(onPing.mock.calls[0]?.[0]).toEqual({ n: 2 });
      expect(onRegistered).not.toHaveBeenCalled();
    });

    it('reports a throwing or rejecting handler through onError and still runs the others', async () => {
      const ns = namespace();
      const bus = await ns.open();
      const healthy = vi.fn();
      bus.subscribe('test.ping', () => {
        throw new Error('sync boom');
      });
      bus.subscribe('test.ping', async () => {
        throw new Error('async boom');
      });
      bus.subscribe('test.ping', healthy);
      await bus.ready();

      await bus.publish('test.ping', { n: 1 });

      await eventually(() => {
        expect(healthy).toHaveBeenCalledTimes(1);
        expect(ns.errors).toHaveLength(2);
      });
      expect(ns.errors.map((e) => [e.phase, e.event, e.error.message]).sort()).toEqual([
        ['handler', 'test.ping', 'async boom'],
        ['handler', 'test.ping', 'sync boom'],
      ]);
    });

    const injectRaw = harness.injectRaw;
    if (injectRaw) {
      it('reports and drops malformed messages from the wire without crashing', async () => {
        const ns = namespace();
        const bus = await ns.open();
        const handler = vi.fn();
        bus.subscribe('test.ping', handler);
        await bus.ready();

        await injectRaw(ns.prefix, 'test.ping', 'not json {');
        await injectRaw(ns.prefix, 'test.ping', JSON.stringify({ hello: 'no envelope' }));
        await injectRaw(
          ns.prefix,
          'test.ping',
          JSON.stringify({ id: 'x', occurredAt: new Date().toISOString(), payload: { n: 'NaN' } }),
        );
        await bus.publish('test.ping', { n: 7 });

        await eventually(() => expect(handler).toHaveBeenCalledTimes(1));
        expect(handler.mock.calls[0]?.[0]).toEqual({ n: 7 });
        await eventually(() => expect(ns.errors).toHaveLength(3));
        expect(ns.errors.every((e) => e.phase === 'decode' && e.event === 'test.ping')).toBe(true);
      });
    }

    it('rejects unknown event names and any use after close', async () => {
      const ns = namespace();
      const bus = await ns.open();
      expect(() => bus.subscribe('nope' as 'test.ping', () => {})).toThrow(/Unknown event/);
      await bus.close();
      await bus.close();
      await expect(bus.publish('test.ping', { n: 1 })).rejects.toThrow(/closed/);
      expect(() => bus.subscribe('test.ping', () => {})).toThrow(/closed/);
    });

    it('keeps separate prefixes apart', async () => {
      const first = namespace();
      const second = namespace();
      const a = await first.open();
      const b = await second.open();
      const inA = vi.fn();
      const inB = vi.fn();
      a.subscribe('test.ping', inA);
      b.subscribe('test.ping', inB);
      await Promise.all([a.ready(), b.ready()]);

      await b.publish('test.ping', { n: 1 });

      await eventually(() => expect(inB).toHaveBeenCalledTimes(1));
      expect(inA).not.toHaveBeenCalled();
    });
  });
}
