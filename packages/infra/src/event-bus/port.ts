/** The event bus port: typed, validated, fire-and-forget domain events with fan-out to every subscriber. */
import type { z } from 'zod';

/** Event name → payload schema; the app's map is `DOMAIN_EVENTS` in `@streamhub/contracts/events`. */
export type EventMap = Record<string, z.ZodType>;

export type EventName<M extends EventMap> = keyof M & string;

export interface EventMeta {
  /** Unique per publish; the same on every subscriber, so consumers can de-duplicate. */
  id: string;
  /** ISO-8601 time of the publish. */
  occurredAt: string;
}

export type EventHandler<M extends EventMap, K extends EventName<M>> = (
  payload: z.output<M[K]>,
  meta: EventMeta,
) => void | Promise<void>;

/** Where a problem the bus swallowed came from: a bad message off the wire, a failing handler, or the broker. */
export type EventBusErrorPhase = 'decode' | 'handler' | 'broker';

export type EventBusErrorHandler = (
  error: Error,
  context: { event?: string; phase: EventBusErrorPhase },
) => void;

export interface EventBus<M extends EventMap> {
  /** Validates `payload` (throws a ZodError when invalid) and delivers it to every subscriber, never synchronously. */
  publish<K extends EventName<M>>(name: K, payload: z.input<M[K]>): Promise<void>;
  /**
   * Registers a handler; returns the function that removes it. A throwing handler is reported through
   * `onError` and does not affect other handlers.
   */
  subscribe<K extends EventName<M>>(name: K, handler: EventHandler<M, K>): () => void;
  /** Resolves once every subscription made so far is live at the broker (immediately in memory). */
  ready(): Promise<void>;
  /** Drops all subscriptions and releases connections. Publishing afterwards rejects. */
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Redis URL; when absent the in-process bus is used. */
  redisUrl?: string;
  /** Namespace for channels (Redis) or in-process hubs; defaults to `streamhub:`. */
  prefix?: string;
  onError?: EventBusErrorHandler;
}

/** Default `onError`: the bus must never crash the process, but must not swallow silently either. */
export const logEventBusError: EventBusErrorHandler = (error, context) => {
  console.error(
    `[streamhub:event-bus] ${context.phase} error${context.event ? ` on ${context.event}` : ''}`,
    error,
  );
};

/** Throws for a name the map does not know, catching untyped (JS or `as`) callers early. */
export function assertKnownEvent(schemas: EventMap, name: string): z.ZodType {
  const schema = Object.hasOwn(schemas, name) ? schemas[name] : undefined;
  if (!schema) throw new Error(`Unknown event "${name}"`);
  return schema;
}
