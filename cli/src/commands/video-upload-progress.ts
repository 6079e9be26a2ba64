/** What `streamhub video upload` shows while it sends: human sizes, speed and time left. Pure but the reporter. */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 B`, `1.00 KiB`, `12.3 MiB`, `123 MiB`, `1.50 GiB`: three significant digits, binary units. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = -1;
  // 1023.5 and up would print as 1024 of a unit: that is one of the next.
  while (value >= 1023.5 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit < 0) return `${Math.round(value)} B`;
  const digits = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** `7s`, `3m07s`, `1h02m`; `--` when unknown (no rate yet, or stalled). */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export interface ProgressSample {
  /** Milliseconds on any monotonic clock. */
  at: number;
  sent: number;
}

/**
 * Bytes per second over the samples of the last `windowMs` (plus the one just before, as the base), so
 * that the figure follows the link's current speed. Undefined until the samples span 200 ms.
 */
export function bytesPerSecond(samples: readonly ProgressSample[], windowMs = 5_000): number | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  let first = 0;
  while (first < samples.length - 2 && (samples[first + 1]?.at ?? 0) <= last.at - windowMs) first += 1;
  const base = samples[first];
  if (!base || last.at - base.at < 200) return undefined;
  return ((last.sent - base.sent) * 1000) / (last.at - base.at);
}

export interface ProgressState {
  sent: number;
  total: number;
  /** Undefined while the speed is not known yet. */
  rate: number | undefined;
}

const percentOf = ({ sent, total }: ProgressState) => (total > 0 ? Math.floor((sent / total) * 100) : 100);

const details = (state: ProgressState) => {
  const left = state.rate ? (state.total - state.sent) / state.rate : undefined;
  const speed = state.rate === undefined ? '--/s' : `${formatBytes(state.rate)}/s`;
  return `${formatBytes(state.sent)} / ${formatBytes(state.total)}  ${speed}  ${formatDuration(state.sent >= state.total ? 0 : left)} left`;
};

/** The terminal bar: `[#####-------]  42%  12.3 MiB / 29.0 MiB  3.40 MiB/s  5s left`. */
export function progressBar(state: ProgressState, width = 30): string {
  const percent = percentOf(state);
  const filled = Math.round((percent / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${details(state)}`;
}

/** The line for logs and pipes: `uploaded 40% (12.3 MiB / 29.0 MiB  3.40 MiB/s  5s left)`. */
export function progressLine(state: ProgressState): string {
  return `uploaded ${percentOf(state)}% (${details(state)})`;
}

/** `resuming an earlier upload at 12.0 MiB of 29.0 MiB (41%)`. */
export const resumeLine = (offset: number, total: number) =>
  `resuming an earlier upload at ${formatBytes(offset)} of ${formatBytes(total)} (${percentOf({ sent: offset, total, rate: undefined })}%)`;

export interface ReporterOptions {
  /** A redrawn bar (terminal) or a line every 10 % (pipe, log). */
  tty: boolean;
  write(text: string): void;
  now?: () => number;
}

/** The upload's `onProgress`: keeps the recent samples and prints. */
export function progressReporter({ tty, write, now = () => performance.now() }: ReporterOptions) {
  const samples: ProgressSample[] = [];
  let lastTenth = -1;
  return (sent: number, total: number) => {
    samples.push({ at: now(), sent });
    // The window needs at most a few seconds of history; chunks are megabytes, so this stays small.
    if (samples.length > 256) samples.splice(0, samples.length - 256);
    const state = { sent, total, rate: bytesPerSecond(samples) };
    if (tty) {
      // \x1b[K clears what a longer previous line left to the right.
      write(`\r${progressBar(state)}\x1b[K${sent >= total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(percentOf(state) / 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      write(`${progressLine(state)}\n`);
    }
  };
}
