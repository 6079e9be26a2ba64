/**
 * In-process event bus. Buses created with the same prefix in one process share a hub, as Redis
 * replicas share channels, so an all-in-one process behaves like a scaled-out deployment.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { resolvePrefix } from '../shared/prefix.ts';
import { toError } from '../shared/timers.ts';
import {
  assertKnownEvent,
  type EventBus,
  type EventBusErrorHandler,
  type EventHandler,
  type EventMap,
  type EventMeta,
  type EventName,
  logEventBusError,
} from './port.ts';

type AnyHandler = (payload: unknown, meta: EventMeta) => void | Promise<void>;

interface Subscription {
  handler: AnyHandler;
  onError: EventBusErrorHandler;
  active: boolean;
}

interface Hub {
  subscriptions: Map<string, Set<Subscription>>;
  buses: number;
}

const hubs = new Map<string, Hub>();

export interface MemoryEventBusOptions {
  prefix?: string;
  onError?: EventBusErrorHandler;
}

/** Creates an in-process bus; see the module comment for how buses with one prefix connect. */
export function createMemoryEventBus<M extends EventMap>(
  schemas: M,
  options: MemoryEventBusOptions = {},
): EventBus<M> {
  const onError = options.onError ?? logEventBusError;
  const hubKey = resolvePrefix(options.prefix);
  const hub = acquireHub(hubKey);
  const own = new Set<{ name: string; subscription: Subscription }>();
  let closed = false;

  return {
    async publish<K extends EventName<M>>(name: K, payload: z.input<M[K]>) {
      if (closed) throw new Error('Event bus is closed');
      const parsed: unknown = assertKnownEvent(schemas, name).parse(payload);
      const meta: EventMeta = { id: randomUUID(), occurredAt: new Date().toISOString() };
      const current = hub.subscriptions.get(name);
      if (!current || current.size === 0) return;
      // Snapshot now (a later subscriber must not see an earlier event, as with Redis) and deliver on a
      // later turn so no handler ever runs inside publish.
      const targets = [...current];
      setImmediate(() => {
        for (const subscription of targets) {
          if (subscription.active) invoke(subscription, name, parsed, meta);
        }
      });
    },

    subscribe<K extends EventName<M>>(name: K, handler: EventHandler<M, K>) {
      if (closed) throw new Error('Event bus is closed');
      assertKnownEvent(schemas, name);
      const subscription: Subscription = { handler: handler as AnyHandler, onError, active: true };
      let set = hub.subscriptions.get(name);
      if (!set) {
        set = new Set();
        hub.subscriptions.set(name, set);
      }
      set.add(subscription);
      const entry = { name, subscription };
      own.add(entry);
      return () => {
        own.delete(entry);
        detach(hub, name, subscription);
      };
    },

    async ready() {},

    async close() {
      if (closed) return;
      closed = true;
      for (const { name, subscription } of own) detach(hub, name, subscription);
      own.clear();
      releaseHub(hubKey, hub);
    },
  };
}

function invoke(subscription: Subscription, event: string, payload: unknown, meta: EventMeta): void {
  try {
    const result = subscription.handler(payload, meta);
    if (result instanceof Promise) {
      result.catch((error: unknown) => subscription.onError(toError(error), { event, phase: 'handler' }));
    }
  } catch (error) {
    subscription.onError(toError(error), { event, phase: 'handler' });
  }
}

function detach(hub: Hub, name: string, subscription: Subscription): void {
  subscription.active = false;
  const set = hub.subscriptions.get(name);
  if (!set) return;
  set.delete(subscription);
  if (set.size === 0) hub.subscriptions.delete(name);
}

function acquireHub(key: string): Hub {
  let hub = hubs.get(key);
  if (!hub) {
    hub = { subscriptions: new Map(), buses: 0 };
    hubs.set(key, hub);
  }
  hub.buses += 1;
  return hub;
}

// Hubs are dropped with their last bus so short-lived buses (tests, CLI) do not accumulate.
function releaseHub(key: string, hub: Hub): void {
  hub.buses -= 1;
  if (hub.buses === 0 && hubs.get(key) === hub) hubs.delete(key);
}
