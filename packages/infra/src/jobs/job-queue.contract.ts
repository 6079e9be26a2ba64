/** The behaviour every JobQueue implementation must show; run by `memory.test.ts` and `bullmq.test.ts`. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  type JobContext,
  type JobDefinition,
  type JobDefinitions,
  type JobQueue,
  type JobQueueHooks,
  JobTimeoutError,
  NonRetryableError,
} from './port.ts';

export interface JobQueueHarness {
  /** Opens a queue under `prefix`; a fresh prefix per test keeps leftover jobs of one test from another. */
  open<D extends JobDefinitions>(
    definitions: D,
    prefix: string,
    hooks: JobQueueHooks<D>,
  ): Promise<JobQueue<D>>;
}

const PayloadSchema = z.object({ to: z.string().trim().toLowerCase(), n: z.number().int().default(1) });

/** One job definition for a test, with fast defaults. */
function job(
  overrides: Partial<JobDefinition<typeof PayloadSchema>> = {},
): JobDefinition<typeof PayloadSchema> {
  return { schema: PayloadSchema, attempts: 1, backoffMs: 20, timeoutMs: 5_000, ...overrides };
}

interface Failure {
  name: string;
  jobId: string;
  error: Error;
  willRetry: boolean;
}

const eventually = (assertion: () => void | Promise<void>, timeout = 5_000) =>
  vi.waitFor(assertion, { timeout, interval: 10 });

/** Resolves when `release` is called; lets a test hold a job in its running state. */
function gate() {
  let release = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release: () => release() };
}

/** Registers the contract suite; `basePrefix` isolates the test file, each test gets its own below it. */
export function jobQueueContract(label: string, basePrefix: string, harness: JobQueueHarness): void {
  describe(`JobQueue contract: ${label}`, () => {
    const opened: JobQueue<JobDefinitions>[] = [];
    const infraErrors: Error[][] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
      // Connection trouble or a throwing hook would surface here, not in the test that caused it.
      expect(infraErrors.splice(0).flat()).toEqual([]);
    });

    async function open<D extends JobDefinitions>(definitions: D) {
      const failed: Failure[] = [];
      const completed: { name: string; jobId: string }[] = [];
      const errors: Error[] = [];
      const queue = await harness.open(definitions, `${basePrefix}${randomUUID()}:`, {
        onFailed: (name, jobId, error, willRetry) => failed.push({ name, jobId, error, willRetry }),
        onCompleted: (name, jobId) => completed.push({ name, jobId }),
        onError: (error) => errors.push(error),
      });
      opened.push(queue as unknown as JobQueue<JobDefinitions>);
      infraErrors.push(errors);
      return { queue, failed, completed };
    }

    it('runs a job with its validated payload and reports completion', async () => {
      const { queue, completed, failed } = await open({ 'test.send': job() });
      const seen: { payload: unknown; attempt: number; jobId: string }[] = [];
      await queue.start({
        'test.send': async (payload, ctx) => {
          await ctx.progress(50);
          seen.push({ payload, attempt: ctx.attempt, jobId: ctx.jobId });
        },
      });

      const jobId = await queue.enqueue('test.send', { to: '  ADA@Example.COM ' });

      await eventually(() => expect(completed).toEqual([{ name: 'test.send', jobId }]));
      expect(seen).toEqual([{ payload: { to: 'ada@example.com', n: 1 }, attempt: 1, jobId }]);
      expect(failed).toEqual([]);
    });

    it('rejects an invalid payload or job id on enqueue', async () => {
      const { queue } = await open({ 'test.send': job() });
      await expect(queue.enqueue('test.send', { to: 42 } as unknown as { to: string })).rejects.toThrow(
        z.ZodError,
      );
      await expect(queue.enqueue('test.send', { to: 'a' }, { jobId: 'has:colon' })).rejects.toThrow(/jobId/);
      await expect(queue.enqueue('test.send', { to: 'a' }, { jobId: '123' })).rejects.toThrow(/jobId/);
      await expect(queue.enqueue('nope' as 'test.send', { to: 'a' })).rejects.toThrow(/Unknown job/);
    });

    it('retries a failed attempt and passes the attempt number', async () => {
      const { queue, failed, completed } = await open({ 'test.flaky': job({ attempts: 3 }) });
      const attempts: number[] = [];
      await queue.start({
        'test.flaky': async (_payload, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt === 1) throw new Error('transient');
        },
      });

      const jobId = await queue.enqueue('test.flaky', { to: 'a' });

      await eventually(() => expect(completed).toHaveLength(1));
      expect(attempts).toEqual([1, 2]);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ name: 'test.flaky', jobId, willRetry: true });
      expect(failed[0]?.error.message).toBe('transient');
    });

    it('gives up after the last attempt with willRetry=false', async () => {
      const { queue, failed, completed } = await open({ 'test.broken': job({ attempts: 2 }) });
      const attempts: number[] = [];
      await queue.start({
        'test.broken': async (_payload, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error(`fail ${ctx.attempt}`);
        },
      });

      await queue.enqueue('test.broken', { to: 'a' });

      await eventually(() => expect(failed).toHaveLength(2));
      expect(failed.map((f) => [f.error.message, f.willRetry])).toEqual([
        ['fail 1', true],
        ['fail 2', false],
      ]);
      expect(attempts).toEqual([1, 2]);
      expect(completed).toEqual([]);
    });

    it('backs off exponentially between attempts', async () => {
      const backoffMs = 100;
      const { queue, failed } = await open({ 'test.backoff': job({ attempts: 3, backoffMs }) });
      const startedAt: number[] = [];
      await queue.start({
        'test.backoff': async () => {
          startedAt.push(Date.now());
          throw new Error('again');
        },
      });

      await queue.enqueue('test.backoff', { to: 'a' });

      await eventually(() => expect(failed.map((f) => f.willRetry)).toEqual([true, true, false]));
      const [first = 0, second = 0, third = 0] = startedAt;
      // Timers may fire a millisecond or two early; never a whole back-off early.
      expect(second - first).toBeGreaterThanOrEqual(backoffMs - 10);
      expect(third - second).toBeGreaterThanOrEqual(2 * backoffMs - 10);
    });

    it('runs a delayed job no sooner than its delay, and refuses a negative delay', async () => {
      const delayMs = 150;
      const { queue, completed } = await open({ 'test.later': job() });
      let ranAt = 0;
      await queue.start({
        'test.later': async () => {
          ranAt = Date.now();
        },
      });

      const enqueuedAt = Date.now();
      const jobId = await queue.enqueue('test.later', { to: 'a' }, { delayMs });

      await eventually(() => expect(completed).toEqual([{ name: 'test.later', jobId }]));
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(delayMs - 10);
      await expect(queue.enqueue('test.later', { to: 'a' }, { delayMs: -1 })).rejects.toThrow(/delayMs/);
    });

    it('fails a NonRetryableError at once, without retrying', async () => {
      const backoffMs = 20;
      const { queue, failed } = await open({ 'test.fatal': job({ attempts: 3, backoffMs }) });
      let calls = 0;
      await queue.start({
        'test.fatal': async () => {
          calls += 1;
          throw new NonRetryableError('recipient deleted');
        },
      });

      await queue.enqueue('test.fatal', { to: 'a' });

      await eventually(() => expect(failed).toHaveLength(1));
      expect(failed[0]?.willRetry).toBe(false);
      expect(failed[0]?.error).toBeInstanceOf(NonRetryableError);
      expect(failed[0]?.error.message).toBe('recipient deleted');
      // A retry would have come after backoffMs; wait a few of those, no longer.
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 5));
      expect(calls).toBe(1);
      expect(failed).toHaveLength(1);
    });

    it('runs a deterministic job id once while it is waiting or running', async () => {
      const { queue, completed } = await open({ 'test.once': job() });
      const runs: string[] = [];
      const hold = gate();
      const dupId = `dup-${randomUUID()}`;
      // Enqueued before start, so the second enqueue meets the first one waiting.
      expect(await queue.enqueue('test.once', { to: 'first' }, { jobId: dupId })).toBe(dupId);
      expect(await queue.enqueue('test.once', { to: 'second' }, { jobId: dupId })).toBe(dupId);
      let running = false;
      await queue.start(
        {
          'test.once': async (payload) => {
            runs.push(payload.to);
            if (payload.to === 'first') {
              running = true;
              await hold.opened;
            }
          },
        },
        { concurrency: 1 },
      );
      await eventually(() => expect(running).toBe(true));
      expect(await queue.enqueue('test.once', { to: 'third' }, { jobId: dupId })).toBe(dupId);
      hold.release();
      // Jobs of one name run in order at concurrency 1, so once this one ran, any duplicate would have.
      const sentinel = await queue.enqueue('test.once', { to: 'sentinel' });

      await eventually(() => expect(completed.map((c) => c.jobId)).toContain(sentinel));
      expect(runs).toEqual(['first', 'sentinel']);
    });

    it('fails an attempt that outlives timeoutMs, aborting its signal, and retries it', async () => {
      const { queue, failed, completed } = await open({
        'test.hang': job({ attempts: 2, timeoutMs: 150 }),
      });
      const signals: AbortSignal[] = [];
      await queue.start({
        'test.hang': async (_payload, ctx: JobContext) => {
          signals.push(ctx.signal);
          if (ctx.attempt === 1) {
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          }
        },
      });

      await queue.enqueue('test.hang', { to: 'a' });

      await eventually(() => expect(completed).toHaveLength(1));
      expect(failed).toHaveLength(1);
      expect(failed[0]?.error).toBeInstanceOf(JobTimeoutError);
      expect(failed[0]?.willRetry).toBe(true);
      expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    });

    it('runs at most `concurrency` jobs of a name at once', async () => {
      const { queue, completed } = await open({ 'test.parallel': job() });
      let inFlight = 0;
      let peak = 0;
      await queue.start(
        {
          'test.parallel': async () => {
            inFlight += 1;
            peak = Math.max(peak, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 80));
            inFlight -= 1;
          },
        },
        { concurrency: 2 },
      );

      await Promise.all(Array.from({ length: 5 }, (_, n) => queue.enqueue('test.parallel', { to: 'a', n })));

      await eventually(() => expect(completed).toHaveLength(5));
      expect(peak).toBe(2);
    });

    it('waits for running jobs on close', async () => {
      const { queue, completed } = await open({ 'test.slow': job() });
      let running = false;
      let finished = false;
      await queue.start({
        'test.slow': async () => {
          running = true;
          await new Promise((resolve) => setTimeout(resolve, 200));
          finished = true;
        },
      });
      const jobId = await queue.enqueue('test.slow', { to: 'a' });
      await eventually(() => expect(running).toBe(true));

      await queue.close();

      expect(finished).toBe(true);
      expect(completed).toEqual([{ name: 'test.slow', jobId }]);
      await expect(queue.enqueue('test.slow', { to: 'a' })).rejects.toThrow(/closed/);
    });

    it('refuses to start without a handler for every job, or twice', async () => {
      const { queue } = await open({ 'test.a': job(), 'test.b': job() });
      await expect(queue.start({ 'test.a': async () => {} } as never)).rejects.toThrow(
        /No handler for job "test.b"/,
      );
      await queue.start({ 'test.a': async () => {}, 'test.b': async () => {} });
      await expect(queue.start({ 'test.a': async () => {}, 'test.b': async () => {} })).rejects.toThrow(
        /already started/,
      );
    });
  });
}
