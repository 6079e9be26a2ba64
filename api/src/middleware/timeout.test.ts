import { AppError } from '@streamhub/errors/app-error';
import { describe, expect, it } from 'vitest';
import { requestDeadlines } from './timeout.ts';

const never = () => new Promise<void>(() => {});
const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('request deadlines (one timer for every request)', () => {
  it('fails work that outlives the deadline with 503 request_timeout, and lets quick work through', async () => {
    const track = requestDeadlines(100);
    const started = performance.now();
    const slow = track(never()).catch((error: unknown) => error);
    const quick = track(after(10));
    const failing = track(Promise.reject(new Error('handler failed'))).catch((error: unknown) => error);
    await expect(quick).resolves.toBeUndefined();
    expect(await failing).toMatchObject({ message: 'handler failed' });
    const error = await slow;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, code: 'request_timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('gives each request its own deadline, also requests that start while others wait', async () => {
    const track = requestDeadlines(80);
    const outcomes: string[] = [];
    const first = track(never()).catch(() => outcomes.push('first timed out'));
    await after(50);
    // Started 50 ms later: still running when the first one's deadline passes.
    const second = track(after(60)).then(() => outcomes.push('second finished'));
    const third = track(never()).catch(() => outcomes.push('third timed out'));
    await Promise.all([first, second, third]);
    expect(outcomes).toEqual(['first timed out', 'second finished', 'third timed out']);
  });
});
