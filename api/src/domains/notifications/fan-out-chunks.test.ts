import { describe, expect, it } from 'vitest';
import {
  EMBEDDED_FAN_OUT_CHUNKS,
  type FanOutChunking,
  nextChunkSize,
  POSTGRES_FAN_OUT_CHUNKS,
} from './fan-out-chunks.ts';

const steered: FanOutChunking = { initial: 150, min: 100, max: 300, targetMs: 8 };

describe('nextChunkSize', () => {
  it('keeps a fixed size whatever a chunk took', () => {
    expect(nextChunkSize(POSTGRES_FAN_OUT_CHUNKS, 2_000, 500)).toBe(2_000);
    expect(nextChunkSize(POSTGRES_FAN_OUT_CHUNKS, 2_000, 0.1)).toBe(2_000);
  });

  it('scales the size towards the target time', () => {
    expect(nextChunkSize(steered, 150, 8)).toBe(150);
    expect(nextChunkSize(steered, 150, 10)).toBe(120);
    expect(nextChunkSize(steered, 150, 7)).toBe(171);
  });

  it('grows by a quarter and shrinks by half at most in one step', () => {
    expect(nextChunkSize(steered, 150, 1)).toBe(188);
    expect(nextChunkSize(steered, 150, 0)).toBe(188);
    expect(nextChunkSize(steered, 240, 100)).toBe(120);
  });

  it('stays between the floor and the ceiling', () => {
    expect(nextChunkSize(steered, 110, 100)).toBe(100);
    expect(nextChunkSize(steered, 290, 1)).toBe(300);
  });

  it('settles where a chunk takes the target, with a fixed cost per statement', () => {
    // 4 ms a statement plus 25 µs a follower: 8 ms at 160 followers.
    let size = EMBEDDED_FAN_OUT_CHUNKS.initial;
    for (let i = 0; i < 30; i++) size = nextChunkSize(EMBEDDED_FAN_OUT_CHUNKS, size, 4 + 0.025 * size);
    expect(size).toBeGreaterThanOrEqual(158);
    expect(size).toBeLessThanOrEqual(162);
    // Twice as slow a machine: the target needs 0 followers, so the floor holds.
    for (let i = 0; i < 30; i++) size = nextChunkSize(EMBEDDED_FAN_OUT_CHUNKS, size, 8 + 0.05 * size);
    expect(size).toBe(EMBEDDED_FAN_OUT_CHUNKS.min);
  });
});
