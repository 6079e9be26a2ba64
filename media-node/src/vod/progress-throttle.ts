/** Turns a stream of percent readings into reports that only go up and come at most once per interval. */

export interface ProgressThrottle {
  /** A new reading (0–100); reported when it is higher than the last report and the interval has passed. */
  update(percent: number): void;
  /** Reports 100 unless that was already reported. */
  finish(): void;
}

export function throttleProgress(
  report: (percent: number) => void,
  intervalMs = 1000,
  now: () => number = Date.now,
): ProgressThrottle {
  let last = -1;
  let lastAt = Number.NEGATIVE_INFINITY;
  const emit = (percent: number) => {
    last = percent;
    lastAt = now();
    report(percent);
  };
  return {
    update(reading) {
      // 100 is kept for finish(): a rounding 100 while ffmpeg still writes its last segments would lie.
      const percent = Math.min(99, Math.max(0, Math.floor(reading)));
      if (percent > last && now() - lastAt >= intervalMs) emit(percent);
    },
    finish() {
      if (last < 100) emit(100);
    },
  };
}
