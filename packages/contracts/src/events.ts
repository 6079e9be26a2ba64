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

/** A broadcast began: the media node's publish was accepted. */
export const StreamStartedEventSchema = z.object({
  sessionId: z.uuid(),
  channelId: z.uuid(),
  playbackId: z.string(),
  slug: z.string(),
  ownerId: z.uuid(),
  record: z.boolean(),
  startedAt: z.iso.datetime(),
});

/** A broadcast ended (publisher gone and the grace window over, or the node stopped it). */
export const StreamEndedEventSchema = z.object({
  sessionId: z.uuid(),
  channelId: z.uuid(),
  playbackId: z.string(),
  slug: z.string(),
  recorded: z.boolean(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
});

/** Every event the app publishes; later issues add `stream.started`, `video.ready`, … */
export const DOMAIN_EVENTS = {
  'user.registered': UserRegisteredEventSchema,
  'stream.started': StreamStartedEventSchema,
  'stream.ended': StreamEndedEventSchema,
} as const;

export type DomainEvents = typeof DOMAIN_EVENTS;

export type DomainEventName = keyof DomainEvents;

/** The payload a consumer of event `K` receives. */
export type DomainEventPayload<K extends DomainEventName> = z.output<DomainEvents[K]>;
