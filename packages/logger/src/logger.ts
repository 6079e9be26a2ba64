/** Structured JSON logs for every StreamHub process (pino). */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Process role, e.g. `gateway`, `media`, `cli`; added to every line. */
  name: string;
  /** Defaults to an asynchronous stdout stream (`createLogDestination()`). */
  destination?: DestinationStream;
}

/** A log destination whose pending lines `Logger.flush` can push out. */
export interface FlushableDestination extends DestinationStream {
  flush(callback?: (error?: Error) => void): void;
}

/** SonicBoom in buffer mode; its declarations describe only utf8 mode, whose `write` takes strings. */
interface BufferModeStream {
  write(chunk: Buffer): boolean;
  flush(callback?: (error?: Error) => void): void;
}

/**
 * An asynchronous destination on a file descriptor or path (stdout by default), through pino's
 * SonicBoom. In its default utf8 mode SonicBoom appends each line to the pending string while a write
 * is in flight and re-measures that whole string (up to 16 KiB) with `Buffer.byteLength`, so a line
 * cost several µs under load. Buffer mode keeps a byte count per pending batch and concatenates once
 * per `fs.write`; each line is encoded once, here. Lines stay whole and in order, and pino still
 * flushes the stream synchronously on process exit. Like the stock destination it never drops a line, so
 * pending memory is unbounded: it grows for as long as the descriptor accepts less than is logged.
 */
export function createLogDestination(dest: number | string = 1): FlushableDestination {
  const stream = pino.destination({
    dest,
    sync: false,
    contentMode: 'buffer',
  }) as unknown as BufferModeStream;
  return {
    write: (line: string) => stream.write(Buffer.from(line)),
    flush: (callback) => stream.flush(callback),
  };
}

/** Creates the root logger of a process; request and job loggers are its children. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? createLogDestination();
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
