/** Picks the job queue: BullMQ when a Redis URL is configured, in-process otherwise. */
import { createMemoryJobQueue } from './memory.ts';
import type { JobDefinitions, JobQueue, JobQueueOptions } from './port.ts';

/**
 * Creates the process's job queue for `definitions` (usually `JOB_DEFINITIONS`). With `redisUrl` it
 * connects first and rejects when Redis is unreachable, so start-up fails fast.
 */
export async function createJobQueue<D extends JobDefinitions>(
  definitions: D,
  options: JobQueueOptions<D> = {},
): Promise<JobQueue<D>> {
  const { redisUrl, ...rest } = options;
  if (redisUrl) {
    // Loaded on demand so the embedded default never loads BullMQ or a Redis client.
    const { createBullMqJobQueue } = await import('./bullmq.ts');
    return createBullMqJobQueue(definitions, { url: redisUrl, ...rest });
  }
  return createMemoryJobQueue(definitions, rest);
}
