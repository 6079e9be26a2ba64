/**
 * The job queue port: work that must not be lost, typed end to end from the job definitions map
 * (`JOB_DEFINITIONS` in `@streamhub/contracts/jobs`) to the handler record.
 */
import type { z } from 'zod';

/** How one job is validated and retried. */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Total tries, the first included (1 = never retried). */
  attempts: number;
  /** Delay before the second try; each later one doubles it (exponential back-off). */
  backoffMs: number;
  /** An attempt still running after this long fails (and may be retried). */
  timeoutMs: number;
}

export type JobDefinitions = Record<string, JobDefinition>;

export type JobName<D extends JobDefinitions> = keyof D & string;

/** What `enqueue` accepts for job `K` (the schema's input). */
export type JobInput<D extends JobDefinitions, K extends JobName<D>> = z.input<D[K]['schema']>;

/** What the handler of job `K` receives (the schema's output). */
export type JobPayload<D extends JobDefinitions, K extends JobName<D>> = z.output<D[K]['schema']>;

export interface JobContext {
  /** 1 on the first try, 2 on the first retry, … */
  readonly attempt: number;
  readonly jobId: string;
  /** Aborted when the attempt times out or the queue shuts down; pass it to fetch, child processes, … */
  readonly signal: AbortSignal;
  /** Reports progress in percent (0–100) for observability. */
  progress(percent: number): Promise<void>;
}

export type JobHandler<D extends JobDefinitions, K extends JobName<D>> = (
  payload: JobPayload<D, K>,
  context: JobContext,
) => Promise<void>;

/** One handler per job name: a job without a handler does not compile. */
export type JobHandlers<D extends JobDefinitions> = { [K in JobName<D>]: JobHandler<D, K> };

export interface EnqueueOptions {
  /**
   * Deterministic id (e.g. `welcome-<userId>`): enqueueing an id that is still waiting, delayed or
   * running is a no-op. BullMQ also keeps finished jobs for a while (completed: 24 h or the last
   * 1000; failed: 7 days or the last 5000), and the id stays taken as long as it keeps them.
   * No `:` and not a bare integer (BullMQ reserves both).
   */
  jobId?: string;
  /** Runs the job no sooner than this many milliseconds from now (a delayed job). */
  delayMs?: number;
}

export interface StartOptions {
  /** Jobs of each name run at most this many at a time in this process. Defaults to 1. */
  concurrency?: number;
}

export interface JobQueueHooks<D extends JobDefinitions> {
  /** After every failed attempt; `willRetry` is false when the job is finally given up. */
  onFailed?(jobName: JobName<D>, jobId: string, error: Error, willRetry: boolean): void;
  onCompleted?(jobName: JobName<D>, jobId: string): void;
  /** Infrastructure trouble (lost connection, a handler ignoring its timeout); defaults to stderr. */
  onError?(error: Error): void;
}

export interface JobQueueOptions<D extends JobDefinitions> extends JobQueueHooks<D> {
  /** Redis URL; when absent jobs run in this process and are lost on exit. */
  redisUrl?: string;
  /** Namespace for Redis keys (`<prefix>jobs:<name>:…`); defaults to `streamhub:`. */
  prefix?: string;
  /** How long `close()` waits for running jobs before aborting them. Defaults to 10 s. */
  closeTimeoutMs?: number;
}

export interface JobQueue<D extends JobDefinitions> {
  /** Validates `payload` (throws a ZodError when invalid) and queues the job; resolves to its id. */
  enqueue<K extends JobName<D>>(name: K, payload: JobInput<D, K>, options?: EnqueueOptions): Promise<string>;
  /** Starts processing every job name with its handler. Call once; producers that only enqueue never call it. */
  start(handlers: JobHandlers<D>, options?: StartOptions): Promise<void>;
  /** Stops taking jobs, waits for running ones (bounded by `closeTimeoutMs`), and releases connections. */
  close(): Promise<void>;
}

/** Thrown by a handler for a job that can never succeed (bad payload, deleted target): fails it without retry. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** The error an attempt fails with when it outlives its definition's `timeoutMs`. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`Job attempt timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** Aborts running attempts when `close()` gives up waiting for them. */
export class JobQueueClosingError extends Error {
  override name = 'JobQueueClosingError';
  constructor() {
    super('Job queue is shutting down');
  }
}

/** Delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function backoffDelay(definition: JobDefinition, attempt: number): number {
  return Math.round(definition.backoffMs * 2 ** (attempt - 1));
}

/** Rejects ids BullMQ would refuse, so both implementations accept exactly the same ids. */
export function assertJobId(jobId: string): void {
  if (jobId.length === 0 || jobId.length > 256) throw new Error('jobId must be 1 to 256 characters long');
  if (jobId.includes(':')) throw new Error(`jobId must not contain ":" (got "${jobId}")`);
  if (/^\d+$/.test(jobId)) throw new Error(`jobId must not be a bare integer (got "${jobId}")`);
}

/** Validates an enqueue's `delayMs` (absent: 0). */
export function assertDelay(delayMs: number | undefined): number {
  if (delayMs === undefined) return 0;
  if (!(Number.isFinite(delayMs) && delayMs >= 0))
    throw new RangeError(`delayMs must be ≥ 0, got ${delayMs}`);
  return Math.round(delayMs);
}

/** Checks definitions once at construction, so a typo'd number fails at start-up, not on the first retry. */
export function assertDefinitions(definitions: JobDefinitions): void {
  for (const [name, definition] of Object.entries(definitions)) {
    if (name.length === 0 || name.includes(':')) throw new Error(`Invalid job name "${name}"`);
    if (!Number.isInteger(definition.attempts) || definition.attempts < 1) {
      throw new Error(`Job "${name}": attempts must be an integer ≥ 1`);
    }
    if (!(definition.backoffMs >= 0)) throw new Error(`Job "${name}": backoffMs must be ≥ 0`);
    if (!(definition.timeoutMs > 0)) throw new Error(`Job "${name}": timeoutMs must be > 0`);
  }
}

/** The runtime twin of the compile-time check on {@link JobHandlers}, for untyped callers. */
export function assertHandlers(definitions: JobDefinitions, handlers: Record<string, unknown>): void {
  for (const name of Object.keys(definitions)) {
    if (typeof handlers[name] !== 'function') throw new Error(`No handler for job "${name}"`);
  }
  for (const name of Object.keys(handlers)) {
    if (!Object.hasOwn(definitions, name)) throw new Error(`Handler for unknown job "${name}"`);
  }
}

/** Validates the per-name concurrency of `start`. */
export function assertConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  return concurrency;
}

/** Validates a `progress()` value. */
export function assertPercent(percent: number): void {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`progress must be 0–100, got ${percent}`);
}

/** Looks a definition up by name, throwing for names the map does not know. */
export function definitionOf(definitions: JobDefinitions, name: string): JobDefinition {
  const definition = Object.hasOwn(definitions, name) ? definitions[name] : undefined;
  if (!definition) throw new Error(`Unknown job "${name}"`);
  return definition;
}

/** Default `onError`. */
export function logJobQueueError(error: Error): void {
  console.error('[streamhub:jobs]', error);
}
