/**
 * BullMQ job queue: one Queue and (once started) one Worker per job name, all on node-redis.
 * Redis holds the jobs, so they survive restarts and any node running `start` can process them.
 */
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { openRedisConnection } from '../redis/connection.ts';
import { callSafely } from '../shared/hooks.ts';
import { settlesWithin } from '../shared/timers.ts';
import { runAttempt } from './attempt.ts';
import {
  assertConcurrency,
  assertDefinitions,
  assertDelay,
  assertHandlers,
  assertJobId,
  assertPercent,
  definitionOf,
  type EnqueueOptions,
  type JobContext,
  type JobDefinition,
  type JobDefinitions,
  type JobHandlers,
  type JobInput,
  type JobName,
  type JobQueue,
  JobQueueClosingError,
  type JobQueueHooks,
  logJobQueueError,
  NonRetryableError,
  type StartOptions,
} from './port.ts';

type AnyHandler = (payload: unknown, context: JobContext) => Promise<void>;

export interface BullMqJobQueueOptions<D extends JobDefinitions> extends JobQueueHooks<D> {
  url: string;
  prefix?: string;
  closeTimeoutMs?: number;
}

// Finished jobs stay long enough to inspect (and to keep a deterministic jobId taken) without
// letting Redis grow without bound.
const RETENTION = {
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
} as const;

/** BullMQ only skips retries for its own error type; this carries our NonRetryableError through it. */
class NonRetryableFailure extends UnrecoverableError {
  readonly original: Error;
  constructor(original: Error) {
    super(original.message);
    this.original = original;
  }
}

/** Connects (rejects when Redis is unreachable) and returns a queue whose keys live under `<prefix>jobs:`. */
export async function createBullMqJobQueue<D extends JobDefinitions>(
  definitions: D,
  options: BullMqJobQueueOptions<D>,
): Promise<JobQueue<D>> {
  assertDefinitions(definitions);
  const onError = options.onError ?? logJobQueueError;
  const connection = await openRedisConnection({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:jobs',
    onError,
  });
  // BullMQ appends `:<queue>:…` itself; every key stays under our prefix.
  const bullPrefix = `${connection.prefix}jobs`;
  const queues = new Map<string, Queue<unknown, void, string>>();
  for (const name of Object.keys(definitions)) {
    // Queues share our client (BullMQ leaves a caller's client open); workers duplicate it for
    // their blocking connections, so node-redis needs no `maxRetriesPerRequest` as ioredis does.
    const queue = new Queue<unknown, void, string>(name, {
      connection: connection.client,
      prefix: bullPrefix,
    });
    queue.on('error', onError);
    queues.set(name, queue);
  }
  try {
    await Promise.all([...queues.values()].map((queue) => queue.waitUntilReady()));
  } catch (error) {
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    await connection.close();
    throw error;
  }

  const workers: Worker<unknown, void, string>[] = [];
  const running = new Set<AbortController>();
  let started = false;
  let closing: Promise<void> | undefined;

  const processJob = async (
    name: string,
    definition: JobDefinition,
    handler: AnyHandler,
    job: Job<unknown, void, string>,
    signal: AbortSignal | undefined,
  ) => {
    const parsed = definition.schema.safeParse(job.data);
    if (!parsed.success) {
      // A payload that no longer matches its schema (e.g. enqueued by an older release) never will.
      const reason = `Invalid payload for job "${name}": ${z.prettifyError(parsed.error)}`;
      throw new NonRetryableFailure(new NonRetryableError(reason));
    }
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason ?? new JobQueueClosingError());
    signal?.addEventListener('abort', forward, { once: true });
    running.add(controller);
    const context: JobContext = {
      attempt: job.attemptsMade + 1,
      jobId: job.id ?? '',
      signal: controller.signal,
      async progress(percent) {
        assertPercent(percent);
        await job.updateProgress(percent);
      },
    };
    try {
      await runAttempt(() => handler(parsed.data, context), definition.timeoutMs, controller);
    } catch (error) {
      if (error instanceof NonRetryableError) throw new NonRetryableFailure(error);
      throw error;
    } finally {
      signal?.removeEventListener('abort', forward);
      running.delete(controller);
    }
  };

  const createWorker = (name: string, handler: AnyHandler, concurrency: number) => {
    const definition = definitionOf(definitions, name);
    const worker = new Worker<unknown, void, string>(
      name,
      // Three parameters on purpose: BullMQ only passes its cancellation signal to processors that take it.
      (job, _token, signal) => processJob(name, definition, handler, job, signal),
      { connection: connection.client, prefix: bullPrefix, concurrency, autorun: true },
    );
    worker.on('error', onError);
    worker.on('completed', (job) => {
      callSafely(() => options.onCompleted?.(name, job.id ?? ''), onError);
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const original = error instanceof NonRetryableFailure ? error.original : error;
      // BullMQ has already counted this attempt, so attemptsMade is its 1-based number.
      const willRetry = !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
      callSafely(() => options.onFailed?.(name, job.id ?? '', original, willRetry), onError);
    });
    return worker;
  };

  const shutdown = async () => {
    const closingWorkers = Promise.all(workers.map((worker) => worker.close()));
    if (!(await settlesWithin(closingWorkers, options.closeTimeoutMs ?? 10_000))) {
      // Aborted jobs stay active in Redis; BullMQ's stalled-job check hands them to another worker.
      for (const controller of running) controller.abort(new JobQueueClosingError());
      await settlesWithin(Promise.all(workers.map((worker) => worker.close(true))), 5_000);
    }
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    await connection.close();
  };

  return {
    async enqueue<K extends JobName<D>>(
      name: K,
      payload: JobInput<D, K>,
      enqueueOptions: EnqueueOptions = {},
    ) {
      if (closing) throw new Error('Job queue is closed');
      const definition = definitionOf(definitions, name);
      const queue = queues.get(name);
      if (!queue) throw new Error(`Unknown job "${name}"`);
      definition.schema.parse(payload);
      if (enqueueOptions.jobId !== undefined) assertJobId(enqueueOptions.jobId);
      // The input travels, not the parsed output: the worker parses it again, so transforms and
      // defaults apply exactly once and the stored data stays plain JSON.
      const job = await queue.add(name, payload, {
        ...(enqueueOptions.jobId === undefined ? {} : { jobId: enqueueOptions.jobId }),
        delay: assertDelay(enqueueOptions.delayMs),
        attempts: definition.attempts,
        backoff: { type: 'exponential', delay: definition.backoffMs },
        ...RETENTION,
      });
      if (job.id === undefined) throw new Error(`BullMQ returned no id for job "${name}"`);
      return job.id;
    },

    async start(jobHandlers: JobHandlers<D>, startOptions: StartOptions = {}) {
      if (closing) throw new Error('Job queue is closed');
      if (started) throw new Error('Job queue already started');
      const record = jobHandlers as unknown as Record<string, AnyHandler>;
      assertHandlers(definitions, record);
      const concurrency = assertConcurrency(startOptions.concurrency ?? 1);
      started = true;
      for (const [name, handler] of Object.entries(record))
        workers.push(createWorker(name, handler, concurrency));
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },

    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
