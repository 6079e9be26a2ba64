/**
 * One structured log line per request, after the response is decided.
 *
 * The line has fixed keys and no secrets, so on a logger whose options change nothing about such a
 * line (no mixin, hooks, log formatter, nesting or serializers for its keys: the gateway's own logger)
 * it is written as pino would write it, from the logger's own pieces (level prefix, time, bindings, end),
 * straight to its stream: no merge object walked, no redaction, no per-key serializer lookups
 * (pino's `LOG`, `write` and `_asJson` were about 8 % of the plain route's CPU: docs/benchmarks.md,
 * Gateway). Any other logger gets the line through pino itself.
 */
import { type Logger, withoutRedaction } from '@streamhub/logger/logger';
import { pino } from 'pino';
import type { AppContext } from '../context.ts';

const KEYS = ['reqId', 'method', 'path', 'status', 'ms'] as const;
const INFO = 30;
const ERROR = 50;
const sym = pino.symbols;
// Not in pino's typings of its symbols; undefined would mean a pino without message prefixes.
const msgPrefixSym = (sym as unknown as Record<string, symbol | undefined>).msgPrefixSym;

interface LoggerInternals {
  [key: symbol]: unknown;
}

/** What the precompiled line needs from a logger, or undefined when pino must write it. */
interface LineParts {
  stream: { write(line: string): unknown };
  info: string;
  error: string;
  time: () => string;
  /** `isoTime` depends on the millisecond only, so one string serves every line of that millisecond. */
  cacheTime: boolean;
  chindings: string;
  msg: string;
  end: string;
}

function lineParts(logger: Logger): LineParts | undefined {
  const inner = logger as unknown as LoggerInternals;
  const formatters = inner[sym.formattersSym] as { log?: unknown } | undefined;
  const hooks = inner[sym.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const serializers = (inner[sym.serializersSym] ?? {}) as Record<string, unknown>;
  const lsCache = inner[sym.lsCacheSym] as Record<number, string> | undefined;
  const stream = inner[sym.streamSym] as { write?: unknown; [key: symbol]: unknown } | undefined;
  const time = inner[sym.timeSym];
  const chindings = inner[sym.chindingsSym];
  const messageKey = inner[sym.messageKeySym];
  const end = inner[sym.endSym];
  const info = lsCache?.[INFO];
  const error = lsCache?.[ERROR];
  const plain =
    formatters !== undefined &&
    !formatters.log &&
    hooks !== undefined &&
    !hooks.logMethod &&
    !hooks.streamWrite &&
    !inner[sym.mixinSym] &&
    !inner[sym.nestedKeySym] &&
    (msgPrefixSym === undefined || typeof inner[msgPrefixSym] !== 'string') &&
    KEYS.every((key) => !serializers[key]) &&
    typeof messageKey === 'string' &&
    !serializers[messageKey] &&
    typeof info === 'string' &&
    typeof error === 'string' &&
    typeof time === 'function' &&
    typeof chindings === 'string' &&
    typeof end === 'string' &&
    typeof stream?.write === 'function' &&
    stream[Symbol.for('pino.metadata')] !== true;
  if (!plain) return undefined;
  return {
    stream: stream as LineParts['stream'],
    info,
    error,
    time: time as () => string,
    cacheTime: time === pino.stdTimeFunctions.isoTime,
    chindings,
    msg: `,${JSON.stringify(messageKey)}:"request"`,
    end,
  };
}

// Characters JSON must escape (and lone surrogates, which JSON.stringify escapes too).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const jsonString = (value: string) => (NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);

/** Returns `write(c, status, ms)`, which logs a finished request's access line. */
export const accessLogger = () => {
  const write = accessLineWriter();
  return (c: AppContext, status: number, ms: number): void =>
    // c.get(), not c.var: `c.var` copies every variable into a new object on each access.
    write(c.get('deps').logger, c.get('requestId'), c.req.method, c.req.path, status, ms);
};

/**
 * Returns `write(logger, requestId, method, path, status, ms)`: the access line of a request answered
 * without a Hono context (the LL-HLS fast path), or of one with it.
 */
export const accessLineWriter = () => {
  let root: Logger | undefined;
  let parts: LineParts | undefined;
  let fallback: Logger | undefined;
  let timeMs = -1;
  let timeText = '';

  return (
    logger: Logger,
    requestId: string,
    method: string,
    path: string,
    status: number,
    ms: number,
  ): void => {
    if (logger !== root) {
      root = logger;
      parts = lineParts(logger);
      fallback = undefined;
    }
    const error = status >= 500;
    if (!logger.isLevelEnabled(error ? 'error' : 'info')) return;
    const rounded = Math.round(ms * 100) / 100;
    if (!parts) {
      // Fixed keys, no secrets: the line skips the redaction every other line pays.
      fallback ??= withoutRedaction(logger);
      // `reqId` first: the same place as on the request's other lines, where it is the logger's binding.
      const fields = {
        reqId: requestId,
        method,
        path,
        status,
        ms: rounded,
      };
      if (error) fallback.error(fields, 'request');
      else fallback.info(fields, 'request');
      return;
    }
    let time: string;
    if (parts.cacheTime) {
      const now = Date.now();
      if (now !== timeMs) {
        timeMs = now;
        timeText = parts.time();
      }
      time = timeText;
    } else time = parts.time();
    // Only the path can hold what JSON escapes. The id is a caller's that passed the request start's
    // check or one it made (request-context.ts: letters, digits and `._:-` only), and a method is an
    // HTTP token (the HTTP parser and the Request constructor refuse anything else): checking those
    // two with the regular expression was about 1 % of the plain route's CPU on Node.
    parts.stream.write(
      `${error ? parts.error : parts.info}${time}${parts.chindings},"reqId":"${requestId}","method":"${method}","path":${jsonString(path)},"status":${status},"ms":${rounded}${parts.msg}${parts.end}`,
    );
  };
};
