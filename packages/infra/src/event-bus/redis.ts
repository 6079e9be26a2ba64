/**
 * Redis pub/sub event bus: one publisher and one dedicated subscriber connection per bus, so every
 * subscriber in every process (gateway replicas, media nodes) receives every event.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { openPubSubConnections } from '../redis/connection.ts';
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
  active: boolean;
}

/** What travels on the channel. The payload is the publisher's validated input; receivers parse it again. */
const EnvelopeSchema = z.object({
  id: z.string().min(1),
  occurredAt: z.string().min(1),
  payload: z.unknown(),
});

export interface RedisEventBusOptions {
  url: string;
  prefix?: string;
  onError?: EventBusErrorHandler;
}

/** The channel an event travels on; exported for tests and operators (`redis-cli SUBSCRIBE`). */
export function eventChannel(prefix: string, name: string): string {
  return `${prefix}events:${name}`;
}

/** Connects both clients (rejects when Redis is unreachable) and returns the bus. */
export async function createRedisEventBus<M extends EventMap>(
  schemas: M,
  options: RedisEventBusOptions,
): Promise<EventBus<M>> {
  const onError = options.onError ?? logEventBusError;
  const reportBroker = (error: Error) => onError(error, { phase: 'broker' });
  const { publisher, subscriber } = await openPubSubConnections({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:events',
    onError: reportBroker,
  });

  const subscriptions = new Map<string, Set<Subscription>>();
  const listeners = new Map<string, (message: string) => void>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  // SUBSCRIBE/UNSUBSCRIBE are asynchronous; tracking them lets publish() and ready() wait, so an event
  // published right after subscribe() in this process is not lost.
  const track = (command: Promise<void>, event: string) => {
    const tracked = command.catch((error: unknown) => {
      if (!closed) onError(toError(error), { event, phase: 'broker' });
    });
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  const dispatch = (name: string, message: string) => {
    const set = subscriptions.get(name);
    if (!set || set.size === 0) return;
    const decoded = decode(schemas, name, message);
    if (decoded instanceof Error) {
      onError(decoded, { event: name, phase: 'decode' });
      return;
    }
    for (const subscription of [...set]) {
      if (!subscription.active) continue;
      try {
        const result = subscription.handler(decoded.payload, decoded.meta);
        if (result instanceof Promise) {
          result.catch((error: unknown) => onError(toError(error), { event: name, phase: 'handler' }));
        }
      } catch (error) {
        onError(toError(error), { event: name, phase: 'handler' });
      }
    }
  };

  return {
    async publish<K extends EventName<M>>(name: K, payload: z.input<M[K]>) {
      if (closed) throw new Error('Event bus is closed');
      assertKnownEvent(schemas, name).parse(payload);
      if (inFlight.size > 0) await Promise.all(inFlight);
      const envelope = { id: randomUUID(), occurredAt: new Date().toISOString(), payload };
      await publisher.client.publish(eventChannel(publisher.prefix, name), JSON.stringify(envelope));
    },

    subscribe<K extends EventName<M>>(name: K, handler: EventHandler<M, K>) {
      if (closed) throw new Error('Event bus is closed');
      assertKnownEvent(schemas, name);
      let set = subscriptions.get(name);
      if (!set) {
        set = new Set();
        subscriptions.set(name, set);
        const listener = (message: string) => dispatch(name, message);
        listeners.set(name, listener);
        track(subscriber.client.subscribe(eventChannel(subscriber.prefix, name), listener), name);
      }
      const subscription: Subscription = { handler: handler as AnyHandler, active: true };
      set.add(subscription);
      const owner = set;
      return () => {
        if (!subscription.active) return;
        subscription.active = false;
        owner.delete(subscription);
        if (owner.size > 0 || subscriptions.get(name) !== owner || closed) return;
        subscriptions.delete(name);
        const listener = listeners.get(name);
        listeners.delete(name);
        track(subscriber.client.unsubscribe(eventChannel(subscriber.prefix, name), listener), name);
      };
    },

    async ready() {
      if (inFlight.size > 0) await Promise.all(inFlight);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const set of subscriptions.values()) for (const subscription of set) subscription.active = false;
      subscriptions.clear();
      listeners.clear();
      await Promise.all([subscriber.close(), publisher.close()]);
    },
  };
}

/** Turns a wire message into a validated payload, or an Error describing why it was dropped. */
function decode(
  schemas: EventMap,
  name: string,
  message: string,
): { payload: unknown; meta: EventMeta } | Error {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return new Error(`Dropped a message on "${name}" that is not JSON`);
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) return new Error(`Dropped a message on "${name}" without a valid envelope`);
  const schema = schemas[name];
  if (!schema) return new Error(`Dropped a message for unknown event "${name}"`);
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    return new Error(`Dropped an invalid "${name}" payload: ${z.prettifyError(payload.error)}`);
  }
  return { payload: payload.data, meta: { id: envelope.data.id, occurredAt: envelope.data.occurredAt } };
}
