/**
 * Smoke test of the benchmark's measurement path: one short StreamHub run (real media node process,
 * real ffmpeg publisher and ladder) must produce sane numbers. Ranges are wide on purpose: the
 * machine is shared, and this checks the measuring, not the performance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRun, type RunResult } from './measure-run.ts';
import { liveArgs, OBS_LIKE_ENCODER } from './publisher.ts';
import { startStreamhub } from './setups.ts';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'streamhub-bench-live-test-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('live benchmark measurement', () => {
  it('times a StreamHub publish to playable HLS and reads the CPU of the node and its ladder', async () => {
    const runDir = join(scratch, 'streamhub');
    const setup = await startStreamhub({
      runDir,
      segmentSeconds: 1,
      runtime: 'node',
      bunPath: 'bun',
    });
    const result: RunResult = await measureRun(setup, {
      run: 1,
      runDir,
      keyframeSeconds: 1,
      settings: {
        seconds: 2,
        settleSeconds: 0.5,
        playableTimeoutSeconds: 20,
        // A live, light publisher: no replay file to prepare, and little CPU taken from the ladder.
        publisher: {
          ffmpegPath: 'ffmpeg',
          args: (url) => liveArgs({ ...OBS_LIKE_ENCODER, x264Preset: 'ultrafast', keyframeSeconds: 1 }, url),
        },
        encoderDelayS: 0,
      },
    });

    const { times, cpu } = result;
    expect(result.source).toMatchObject({ width: 1280, height: 720, hasAudio: true });
    // Order of events after publish: accepted, ladder spawned, then a playable master and variants.
    expect(times.accepted).toBeGreaterThanOrEqual(0);
    expect(times.ladderSpawned).toBeGreaterThan(times.accepted ?? Number.NaN);
    expect(times.playable).toBeGreaterThan(times.ladderSpawned ?? Number.NaN);
    expect(times.playable).toBeLessThan(20);
    expect(Object.keys(times.variants).sort()).toEqual(['360p.m3u8', '480p.m3u8', '720p.m3u8']);
    for (const at of Object.values(times.variants)) expect(at).toBeLessThanOrEqual(times.playable);
    expect(result.targetDurationS).toBe(1);
    // Each variant's first segment decodes to about a second of 30 fps video.
    for (const frames of Object.values(result.firstSegmentFrames)) expect(frames).toBeGreaterThan(10);

    // A 3-rung x264 ladder of 720p30 costs a sizeable fraction of a core; the node itself much less.
    expect(cpu.windowSeconds).toBeGreaterThan(1.5);
    expect(cpu.ladderPerSecond).toBeGreaterThan(0.05);
    expect(cpu.ladderPerSecond).toBeLessThan(2.5);
    expect(cpu.rootPerSecond).toBeGreaterThanOrEqual(0);
    expect(cpu.rootPerSecond).toBeLessThan(cpu.ladderPerSecond);
    expect(cpu.totalPerSecond).toBeCloseTo(
      cpu.rootPerSecond + cpu.ladderPerSecond + cpu.otherChildrenPerSecond,
      6,
    );
    expect(cpu.publisherPerSecond).toBeGreaterThan(0);
    expect(result.latenessS.segments).toBeGreaterThan(0);
    expect(result.glassToGlass.totalS).toBeGreaterThan(2.5);
  }, 60_000);
});
