/** RFC 9457 problem details as every StreamHub process renders and reads them. */
import { z } from '@hono/zod-openapi';

/** Stable, documented error codes (docs/errors.md). Clients branch on these, never on messages. */
export const ERROR_CODES = [
  'bad_request',
  'malformed_json',
  'validation_failed',
  'unauthorized',
  'invalid_credentials',
  'invalid_token',
  'invalid_email_token',
  'refresh_token_reused',
  'account_suspended',
  'invalid_oauth_state',
  'oauth_denied',
  'oauth_email_unverified',
  'oauth_provider_error',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'channel_exists',
  'slug_taken',
  'chat_target_protected',
  'self_follow',
  'reply_to_reply',
  'preference_locked',
  'invalid_unsubscribe_token',
  'payload_too_large',
  'unsupported_media_type',
  'unsupported_image',
  'video_too_large',
  'video_quota_exceeded',
  'not_a_video',
  'upload_offset_mismatch',
  'upload_busy',
  'upload_expired',
  'tus_version_unsupported',
  'invalid_playback_token',
  'invalid_view_token',
  'invalid_webhook_signature',
  'malformed_webhook',
  'invalid_checkout_signature',
  'payments_unavailable',
  'payment_provider_error',
  'webhook_target_forbidden',
  'restream_not_configured',
  'restream_limit_reached',
  'channel_offline',
  'clip_limit_reached',
  'clip_unavailable',
  'low_latency_unavailable',
  'rate_limited',
  'request_timeout',
  'service_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const FieldErrorSchema = z.object({
  path: z.string().openapi({ example: 'body.email' }),
  message: z.string().openapi({ example: 'Invalid email address' }),
});

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://streamhub.dev/problems/not_found' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'Route GET /api/v1/nope was not found.' }),
    code: z.enum(ERROR_CODES),
    instance: z.string().optional().openapi({ example: '/api/v1/nope' }),
    requestId: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
