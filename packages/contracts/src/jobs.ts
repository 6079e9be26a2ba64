/**
 * Job definitions: name → payload schema plus retry policy. The job queue
 * (`@streamhub/infra/jobs/port`) validates payloads on enqueue and again in the worker, and requires one
 * handler per name here.
 */
import { z } from 'zod';
import { NotificationDeliverJobSchema } from './notifications.ts';
import { WebhookDeliverJobSchema } from './webhooks.ts';

/** The shape the job queue port accepts; kept structural so contracts do not depend on infra. */
interface JobDefinitionShape {
  schema: z.ZodType;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
}

export const EmailSendJobSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(200),
  text: z.string(),
  html: z.string().optional(),
});

/** Probe, transcode to the HLS ladder, poster and storyboard of one video. */
export const VideoProcessJobSchema = z.object({ videoId: z.uuid() });

/** Every job the app runs; later issues add push, … */
export const JOB_DEFINITIONS = {
  'email.send': { schema: EmailSendJobSchema, attempts: 5, backoffMs: 2_000, timeoutMs: 30_000 },
  // Long videos take long: the timeout is a stuck-process guard, not a budget.
  'video.process': { schema: VideoProcessJobSchema, attempts: 3, backoffMs: 10_000, timeoutMs: 6 * 3600_000 },
  // One email or push of one notification; a permanent refusal is recorded and not retried.
  'notifications.deliver': {
    schema: NotificationDeliverJobSchema,
    attempts: 6,
    backoffMs: 5_000,
    timeoutMs: 60_000,
  },
  // One attempt of a webhook delivery; the handler schedules the next attempt itself (back-off over days,
  // docs/webhooks.md), so these retries only cover a crash or a database error around the attempt.
  'webhook.deliver': { schema: WebhookDeliverJobSchema, attempts: 5, backoffMs: 5_000, timeoutMs: 120_000 },
} satisfies Record<string, JobDefinitionShape>;

export type JobDefinitionsMap = typeof JOB_DEFINITIONS;

export type AppJobName = keyof JobDefinitionsMap;

/** The payload the handler of job `K` receives. */
export type AppJobPayload<K extends AppJobName> = z.output<JobDefinitionsMap[K]['schema']>;
