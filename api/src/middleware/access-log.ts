/** One structured log line per request, after the response is decided. */
import { type Logger, withoutRedaction } from '@streamhub/logger/logger';
import type { AppContext } from '../context.ts';

/** Returns `write(c, status, ms)`, which logs a finished request's access line. */
export const accessLogger = () => {
  // Access lines have fixed keys and no secrets, so they skip the redaction every other line pays.
  // Built once per root logger, not per request.
  let root: Logger | undefined;
  let lines: Logger | undefined;
  const linesOf = (logger: Logger): Logger => {
    if (logger !== root || !lines) {
      root = logger;
      lines = withoutRedaction(logger);
    }
    return lines;
  };

  return (c: AppContext, status: number, ms: number): void => {
    // `reqId` first: the same place as on the request's other lines, where it is the logger's binding.
    const fields = {
      reqId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round(ms * 100) / 100,
    };
    // c.get(), not c.var: `c.var` copies every variable into a new object on each access.
    const log = linesOf(c.get('deps').logger);
    if (status >= 500) log.error(fields, 'request');
    else log.info(fields, 'request');
  };
};
