import { describe, expect, it } from 'vitest';
import {
  bytesPerSecond,
  formatBytes,
  formatDuration,
  progressBar,
  progressLine,
  progressReporter,
  resumeLine,
} from './video-upload-progress.ts';

const MiB = 1024 * 1024;

describe('upload progress formatting', () => {
  it('prints sizes in binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(10_240)).toBe('10.0 KiB');
    expect(formatBytes(12.34 * MiB)).toBe('12.3 MiB');
    expect(formatBytes(123.4 * MiB)).toBe('123 MiB');
    // Never "1024 KiB": what rounds to 1024 of a unit is one of the next.
    expect(formatBytes(1023.9 * 1024)).toBe('1.00 MiB');
    expect(formatBytes(1.5 * 1024 * MiB)).toBe('1.50 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.00 TiB');
    expect(formatBytes(1024 ** 5)).toBe('1024 TiB');
  });

  it('prints durations, and -- when unknown', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(6.2)).toBe('7s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(3600 + 125)).toBe('1h02m');
    expect(formatDuration(undefined)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
  });

  it('measures the speed over the recent window, not since the start', () => {
    expect(bytesPerSecond([])).toBeUndefined();
    expect(bytesPerSecond([{ at: 0, sent: 0 }])).toBeUndefined();
    expect(
      bytesPerSecond([
        { at: 0, sent: 0 },
        { at: 100, sent: MiB },
      ]),
    ).toBeUndefined();
    expect(
      bytesPerSecond([
        { at: 0, sent: 0 },
        { at: 1000, sent: 2 * MiB },
      ]),
    ).toBe(2 * MiB);
    // Fast at first, then 1 MiB/s for the last 6 s: the 5 s window sees 1 MiB/s.
    const samples = [{ at: 0, sent: 0 }];
    for (let second = 1; second <= 2; second++) samples.push({ at: second * 1000, sent: second * 10 * MiB });
    for (let second = 3; second <= 8; second++)
      samples.push({ at: second * 1000, sent: 20 * MiB + (second - 2) * MiB });
    expect(bytesPerSecond(samples)).toBe(MiB);
  });

  it('draws a bar and a log line with size, speed and time left', () => {
    const state = { sent: 12 * MiB, total: 30 * MiB, rate: 3 * MiB };
    expect(progressBar(state, 10)).toBe('[####------]  40%  12.0 MiB / 30.0 MiB  3.00 MiB/s  6s left');
    expect(progressLine(state)).toBe('uploaded 40% (12.0 MiB / 30.0 MiB  3.00 MiB/s  6s left)');
    expect(progressLine({ sent: 0, total: 30 * MiB, rate: undefined })).toBe(
      'uploaded 0% (0 B / 30.0 MiB  --/s  -- left)',
    );
    expect(progressBar({ sent: 30 * MiB, total: 30 * MiB, rate: undefined }, 4)).toBe(
      '[####] 100%  30.0 MiB / 30.0 MiB  --/s  0s left',
    );
    expect(resumeLine(12 * MiB, 30 * MiB)).toBe('resuming an earlier upload at 12.0 MiB of 30.0 MiB (40%)');
  });

  it('redraws one line on a terminal and prints every 10 % otherwise', () => {
    let clock = 0;
    const tty: string[] = [];
    const onTty = progressReporter({ tty: true, write: (t) => tty.push(t), now: () => clock });
    onTty(0, 4 * MiB);
    clock = 1000;
    onTty(2 * MiB, 4 * MiB);
    clock = 2000;
    onTty(4 * MiB, 4 * MiB);
    expect(tty[1]).toBe(`\r${progressBar({ sent: 2 * MiB, total: 4 * MiB, rate: 2 * MiB })}\x1b[K`);
    expect(tty[2]?.endsWith('\x1b[K\n')).toBe(true);

    const lines: string[] = [];
    const onPipe = progressReporter({ tty: false, write: (t) => lines.push(t), now: () => clock });
    for (let sent = 0; sent <= 100; sent += 5) {
      clock += 100;
      onPipe(sent * 1024, 100 * 1024);
    }
    expect(lines.map((line) => line.split(' ')[1])).toEqual([
      '0%',
      '10%',
      '20%',
      '30%',
      '40%',
      '50%',
      '60%',
      '70%',
      '80%',
      '90%',
      '100%',
    ]);
    expect(lines.at(-1)).toBe('uploaded 100% (100 KiB / 100 KiB  50.0 KiB/s  0s left)\n');
  });
});
