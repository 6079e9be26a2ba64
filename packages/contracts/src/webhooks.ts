/**
 * REST shapes of the webhooks domain (`/api/v1/webhooks/…`): endpoints that receive signed deliveries of
 * domain events, their secrets, and the delivery log (docs/webhooks.md).
 */
import { z } from '@hono/zod-openapi';
import { DOMAIN_EVENTS } from './events.ts';
import { limitSchema } from './pagination.ts';
import { text } from './text.ts';

/** The event type of the deliveries `POST /endpoints/{id}/test` sends; never stored in the outbox. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WEBHOOK_DESCRIPTION_MAX = 500;
export const WEBHOOK_URL_MAX = 2048;

/** The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…]` (modelled on Stripe's). */
export const WEBHOOK_SIGNATURE_HEADER = 'StreamHub-Signature';
export const WEBHOOK_EVENT_ID_HEADER = 'StreamHub-Event-Id';
export const WEBHOOK_EVENT_TYPE_HEADER = 'StreamHub-Event-Type';
export const WEBHOOK_DELIVERY_ID_HEADER = 'StreamHub-Delivery-Id';
export const WEBHOOK_ATTEMPT_HEADER = 'StreamHub-Delivery-Attempt';

const eventTypes = Object.keys(DOMAIN_EVENTS) as [string, ...string[]];

/** An event type an endpoint may subscribe to: any durable domain event. */
export const WebhookEventTypeSchema = z
  .string()
  .refine((value) => eventTypes.includes(value), `must be one of: ${eventTypes.join(', ')}`)
  .openapi({ example: 'stream.started' });

/** Who an endpoint is for: its owner's own events (`user`) or every event of the instance (`instance`, admins). */
export const WebhookScopeSchema = z.enum(['user', 'instance']);
export type WebhookScope = z.infer<typeof WebhookScopeSchema>;

const WebhookUrlSchema = text()
  .trim()
  .max(WEBHOOK_URL_MAX, `must be at most ${WEBHOOK_URL_MAX} characters`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without user name or password')
  .openapi({ example: 'https://hooks.example.com/streamhub' });

const DescriptionSchema = text()
  .trim()
  .max(WEBHOOK_DESCRIPTION_MAX, `must be at most ${WEBHOOK_DESCRIPTION_MAX} characters`)
  .openapi({ example: 'Post go-lives to our Discord bridge' });

const EventListSchema = z
  .array(WebhookEventTypeSchema)
  .max(eventTypes.length)
  .openapi({ description: 'Event types to deliver; an empty list means every event' });

export const CreateWebhookEndpointSchema = z
  .strictObject({
    url: WebhookUrlSchema,
    events: EventListSchema.default([]),
    description: DescriptionSchema.default(''),
    scope: WebhookScopeSchema.default('user').openapi({
      description: '`instance` (admins only) receives every event of the instance',
    }),
  })
  .openapi('CreateWebhookEndpoint');
export type CreateWebhookEndpoint = z.infer<typeof CreateWebhookEndpointSchema>;

export const UpdateWebhookEndpointSchema = z
  .strictObject({
    url: WebhookUrlSchema.optional(),
    events: EventListSchema.optional(),
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Turning a disabled endpoint on again' }),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one field')
  .openapi('UpdateWebhookEndpoint');
export type UpdateWebhookEndpoint = z.infer<typeof UpdateWebhookEndpointSchema>;

export const WebhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    scope: WebhookScopeSchema,
    ownerId: z.uuid(),
    events: z.array(z.string()).openapi({ description: 'Empty: every event' }),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    /** Until when the secret replaced by the last rotation still signs deliveries. */
    previousSecretExpiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('WebhookEndpoint');
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

/** An endpoint with its signing secret: the only answers that carry it (creation and rotation). */
export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({ description: 'Shown once; signs every delivery', example: 'whsec_…' }),
}).openapi('WebhookEndpointWithSecret');
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecretSchema>;

export const WebhookEndpointListSchema = z
  .object({ endpoints: z.array(WebhookEndpointSchema) })
  .openapi('WebhookEndpointList');
export type WebhookEndpointList = z.infer<typeof WebhookEndpointListSchema>;

export const WebhookEndpointParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const WebhookDeliveryParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
  deliveryId: z.uuid().openapi({ param: { name: 'deliveryId', in: 'path' } }),
});

export const RotateWebhookSecretSchema = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional()
      .openapi({ description: 'How long the old secret keeps signing too (default from the settings)' }),
  })
  .openapi('RotateWebhookSecret');
export type RotateWebhookSecret = z.infer<typeof RotateWebhookSecretSchema>;

export const WebhookDeliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed']);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatusSchema>;

export const WebhookAttemptSchema = z
  .object({
    attempt: z.number().int().positive(),
    succeeded: z.boolean(),
    responseStatus: z.number().int().nullable().openapi({ description: "The receiver's HTTP status" }),
    error: z.string().nullable().openapi({ description: 'Why no answer came (refused target, timeout, …)' }),
    latencyMs: z.number().int().min(0),
    attemptedAt: z.iso.datetime(),
  })
  .openapi('WebhookAttempt');
export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

export const WebhookDeliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.uuid(),
    eventType: z.string(),
    status: WebhookDeliveryStatusSchema,
    attempts: z.array(WebhookAttemptSchema).openapi({ description: 'Oldest first' }),
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('WebhookDelivery');
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveriesQuerySchema = z.object({
  limit: limitSchema(20),
  status: WebhookDeliveryStatusSchema.optional(),
});
export type WebhookDeliveriesQuery = z.infer<typeof WebhookDeliveriesQuerySchema>;

export const WebhookDeliveryListSchema = z
  .object({ deliveries: z.array(WebhookDeliverySchema).openapi({ description: 'Newest first' }) })
  .openapi('WebhookDeliveryList');
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryListSchema>;

/** A delivery that was queued: a test event, or a manual redelivery. */
export const WebhookDeliveryQueuedSchema = z
  .object({ deliveryId: z.uuid(), eventId: z.uuid(), eventType: z.string() })
  .openapi('WebhookDeliveryQueued');
export type WebhookDeliveryQueued = z.infer<typeof WebhookDeliveryQueuedSchema>;

/** The JSON body of every delivery. */
export const WebhookDeliveryBodySchema = z.object({
  id: z.uuid(),
  type: z.string(),
  createdAt: z.iso.datetime(),
  data: z.unknown(),
});
export type WebhookDeliveryBody = z.infer<typeof WebhookDeliveryBodySchema>;

/** The `webhook.deliver` job: one attempt of one delivery. */
export const WebhookDeliverJobSchema = z.object({
  deliveryId: z.uuid(),
  attempt: z.number().int().positive(),
});
