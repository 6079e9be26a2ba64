/**
 * Domain events: name → payload schema. Publishers and consumers share these through the event bus
 * (`@streamhub/infra/event-bus/port`), which validates payloads on both ends.
 */
import { z } from 'zod';

export const UserRegisteredEventSchema = z.object({
  userId: z.uuid(),
  username: z.string(),
  // Plain string on purpose: the identity domain owns e-mail validation; an event must not fail after the fact.
  email: z.string(),
});

/** Every event the app publishes; later issues add `stream.started`, `video.ready`, … */
export const DOMAIN_EVENTS = {
  'user.registered': UserRegisteredEventSchema,
} as const;

export type DomainEvents = typeof DOMAIN_EVENTS;

export type DomainEventName = keyof DomainEvents;

/** The payload a consumer of event `K` receives. */
export type DomainEventPayload<K extends DomainEventName> = z.output<DomainEvents[K]>;
