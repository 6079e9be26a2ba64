/** Structured JSON logs for every StreamHub process (pino). */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Process role, e.g. `gateway`, `media`, `cli`; added to every line. */
  name: string;
  /** Defaults to an asynchronous stdout stream. */
  destination?: DestinationStream;
}

/** Creates the root logger of a process; request and job loggers are its children. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
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
