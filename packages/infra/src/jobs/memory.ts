/**
 * In-process job queue with BullMQ's semantics (retries with exponential back-off, per-name
 * concurrency, idempotent job ids, time limits). Jobs live in memory: waiting and delayed jobs are
 * lost when the process stops, which is the embedded default's trade-off.
 */
import { randomUUID } from 'node:crypto';
import { callSafely } from '../shared/hooks.ts';
import { settlesWithin, toError } from '../shared/timers.ts';
import { runAttempt } from './attempt.ts';
import {
  assertConcurrency,
  assertDefinitions,
  assertDelay,
  assertHandlers,
  assertJobId,
  assertPercent,
  backoffDelay,
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

interface MemoryJob {
  id: string;
  payload: unknown;
  attempt: number;
}

/** Everything about one job name: its waiting line and what is running. */
interface Lane {
  name: string;
  definition: JobDefinition;
  waiting: MemoryJob[];
  running: number;
  /** Ids that are waiting, delayed or running: the idempotency window, as in BullMQ. */
  known: Set<string>;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export interface MemoryJobQueueOptions<D extends JobDefinitions> extends JobQueueHooks<D> {
  closeTimeoutMs?: number;
}

/** Creates an in-process queue for `definitions`; share one instance per process between producers and workers. */
export function createMemoryJobQueue<D extends JobDefinitions>(
  definitions: D,
  options: MemoryJobQueueOptions<D> = {},
): JobQueue<D> {
  assertDefinitions(definitions);
  const onError = options.onError ?? logJobQueueError;
  const lanes = new Map<string, Lane>();
  for (const [name, definition] of Object.entries(definitions)) {
    lanes.set(name, { name, definition, waiting: [], running: 0, known: new Set() });
  }
  const retryTimers = new Set<NodeJS.Timeout>();
  const running = new Set<Running>();
  let handlers: Record<string, AnyHandler> | undefined;
  let concurrency = 1;
  let closing = false;

  const laneOf = (name: string): Lane => {
    definitionOf(definitions, name);
    const lane = lanes.get(name);
    if (!lane) throw new Error(`Unknown job "${name}"`);
    return lane;
  };

  const pump = (lane: Lane) => {
    while (handlers && !closing && lane.running < concurrency && lane.waiting.length > 0) {
      const job = lane.waiting.shift();
      if (job) execute(lane, job);
    }
  };

  const execute = (lane: Lane, job: MemoryJob) => {
    const handler = handlers?.[lane.name];
    if (!handler) return;
    lane.running += 1;
    const controller = new AbortController();
    const context: JobContext = {
      attempt: job.attempt,
      jobId: job.id,
      signal: controller.signal,
      progress: async (percent: number) => assertPercent(percent),
    };
    const entry: Running = { controller, done: Promise.resolve() };
    entry.done = runAttempt(() => handler(job.payload, context), lane.definition.timeoutMs, controller).then(
      () => {
        lane.known.delete(job.id);
        callSafely(() => options.onCompleted?.(lane.name, job.id), onError);
      },
      (error: unknown) => fail(lane, job, toError(error)),
    );
    running.add(entry);
    void entry.done.finally(() => {
      running.delete(entry);
      lane.running -= 1;
      pump(lane);
    });
  };

  const fail = (lane: Lane, job: MemoryJob, error: Error) => {
    const retryable = !(error instanceof NonRetryableError) && job.attempt < lane.definition.attempts;
    const willRetry = retryable && !closing;
    if (willRetry) {
      const timer = setTimeout(
        () => {
          retryTimers.delete(timer);
          job.attempt += 1;
          lane.waiting.push(job);
          pump(lane);
        },
        backoffDelay(lane.definition, job.attempt),
      );
      retryTimers.add(timer);
    } else {
      lane.known.delete(job.id);
    }
    callSafely(() => options.onFailed?.(lane.name, job.id, error, willRetry), onError);
  };

  return {
    async enqueue<K extends JobName<D>>(
      name: K,
      payload: JobInput<D, K>,
      enqueueOptions: EnqueueOptions = {},
    ) {
      if (closing) throw new Error('Job queue is closed');
      const lane = laneOf(name);
      const parsed: unknown = lane.definition.schema.parse(payload);
      if (enqueueOptions.jobId !== undefined) assertJobId(enqueueOptions.jobId);
      const id = enqueueOptions.jobId ?? randomUUID();
      if (lane.known.has(id)) return id;
      lane.known.add(id);
      const job: MemoryJob = { id, payload: parsed, attempt: 1 };
      const delayMs = assertDelay(enqueueOptions.delayMs);
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          lane.waiting.push(job);
          pump(lane);
        }, delayMs);
        retryTimers.add(timer);
      } else {
        lane.waiting.push(job);
        pump(lane);
      }
      return id;
    },

    async start(jobHandlers: JobHandlers<D>, startOptions: StartOptions = {}) {
      if (closing) throw new Error('Job queue is closed');
      if (handlers) throw new Error('Job queue already started');
      const record = jobHandlers as unknown as Record<string, AnyHandler>;
      assertHandlers(definitions, record);
      concurrency = assertConcurrency(startOptions.concurrency ?? 1);
      handlers = record;
      for (const lane of lanes.values()) pump(lane);
    },

    async close() {
      if (closing) return;
      closing = true;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      for (const lane of lanes.values()) {
        lane.waiting.length = 0;
        lane.known.clear();
      }
      const settled = Promise.all([...running].map((entry) => entry.done));
      if (!(await settlesWithin(settled, options.closeTimeoutMs ?? 10_000))) {
        for (const entry of running) entry.controller.abort(new JobQueueClosingError());
        await settled;
      }
    },
  };
}
