import { describe, expect, it } from 'vitest';
import { ProgressParser } from './ffmpeg-process.ts';
import { throttleProgress } from './progress-throttle.ts';

describe('throttleProgress', () => {
  it('reports rising whole percents at most once per interval, then 100', () => {
    let now = 0;
    const reports: number[] = [];
    const throttle = throttleProgress(
      (p) => reports.push(p),
      1000,
      () => now,
    );
    throttle.update(3.7);
    now = 500;
    throttle.update(20); // too soon
    now = 1000;
    throttle.update(2); // lower: never goes back
    now = 1100;
    throttle.update(40);
    now = 5000;
    throttle.update(100); // 100 only from finish()
    throttle.finish();
    throttle.finish();
    expect(reports).toEqual([3, 40, 99, 100]);
  });
});

describe('ProgressParser', () => {
  it('reads out_time_us per block across chunk borders', () => {
    const parser = new ProgressParser();
    expect(parser.push('frame=10\nout_time_us=1500')).toEqual([]);
    expect(
      parser.push('000\nout_time_ms=1500000\nprogress=continue\nout_time_us=N/A\nprogress=end\n'),
    ).toEqual([
      { outTimeMs: 1500, end: false },
      { outTimeMs: undefined, end: true },
    ]);
  });
});
