/** Structured JSON logs for every StreamHub process (pino). */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Process role, e.g. `gateway`, `media`, `cli`; added to every line. */
  name: string;
  /** Defaults to `logDestination(1)`: stdout, asynchronous, one write per event-loop turn. */
  destination?: DestinationStream;
}

// Lines are held until this many bytes (or the end of the turn) before a write; below SonicBoom's
// 16 KiB `maxWrite`, as it requires.
const BATCH_BYTES = 8192;
// Lines buffered while an earlier write was still in flight go out at the latest after this long.
const FLUSH_EVERY_MS = 250;

/**
 * An asynchronous file or fd stream that writes the lines of one event-loop turn together. pino's
 * stock asynchronous destination starts an `fs.write` for every line whenever none is in flight, so a
 * server logging a line per request paid a write per request: the largest cost of the gateway's
 * middleware in a profile (docs/benchmarks.md, Gateway). Lines still leave within the turn that wrote
 * them (or `FLUSH_EVERY_MS` when a write was in flight); `flushLogger` empties it before an exit.
 */
export function logDestination(dest: number | string): DestinationStream {
  const sonic = pino.destination({
    dest,
    sync: false,
    minLength: BATCH_BYTES,
    periodicFlush: FLUSH_EVERY_MS,
  });
  let scheduled = false;
  const endOfTurn = () => {
    scheduled = false;
    // A stream ended (or destroyed) since the line was written has nothing left to flush; flush would throw.
    if (!(sonic as { destroyed?: boolean }).destroyed) sonic.flush();
  };
  const write = sonic.write.bind(sonic);
  sonic.write = (line: string): boolean => {
    const accepted = write(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(endOfTurn);
    }
    return accepted;
  };
  return sonic;
}

/** Creates the root logger of a process; request and job loggers are its children. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? logDestination(1);
  return pino(
    {
      level: options.level,
      name: options.name,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Secrets must never reach a log line, whatever a caller passes.
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'headers.authorization', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * A child of `logger` that skips redaction, for lines whose keys are fixed by the caller and never
 * hold secrets (the access log). The wildcard paths walk every object of a line, which per request
 * is a measurable share of the gateway's CPU; every other line keeps them.
 */
export function withoutRedaction(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}

/** Flushes buffered lines; call before a process exits. */
export function flushLogger(logger: Logger): void {
  logger.flush();
}
