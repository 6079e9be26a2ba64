/**
 * Bench-only copies of the gateway's middleware as it was before issue 19 (api/src/middleware at commit
 * 24dd68f): nine async layers, a timer per request, label objects to prom-client and a text guard that
 * decodes every URL. The ablation measures the current gateway against them, and against them with one
 * change applied at a time, so that each change's gain is measured on its own.
 */
import { randomUUID } from 'node:crypto';
import type { AppEnv } from '@streamhub/api/context';
import type { GatewayDeps } from '@streamhub/api/deps';
import { AVATAR_UPLOAD_PATH } from '@streamhub/api/domains/users/users.routes';
import { UPLOADS_PATH } from '@streamhub/api/domains/videos/uploads.routes';
import { clientIp } from '@streamhub/api/http/client-ip';
import { accessLogger } from '@streamhub/api/middleware/access-log';
import { bodyLimit } from '@streamhub/api/middleware/body-limit';
import { corsPolicy } from '@streamhub/api/middleware/cors';
import { rateLimiter } from '@streamhub/api/middleware/rate-limit';
import { securityHeaderList } from '@streamhub/api/middleware/security-headers';
import { assertStorableUrl } from '@streamhub/api/middleware/text-guard';
import { requestDeadlines } from '@streamhub/api/middleware/timeout';
import { type GatewayMetrics, requestRecorder } from '@streamhub/api/observability/metrics';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@streamhub/contracts/text';
import { AppError, type FieldError, validationFailed } from '@streamhub/errors/app-error';
import type { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { Change } from '../ablation-variants.ts';

const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const OWN_BODY_LIMIT = new Set([AVATAR_UPLOAD_PATH]);
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function useLegacyStack(
  app: Hono<AppEnv>,
  deps: GatewayDeps,
  metrics: GatewayMetrics,
  changes: readonly Change[],
): void {
  const { config } = deps;
  const cors = corsPolicy([...config.corsOrigins, new URL(config.publicUrl).origin]);
  const limit = rateLimiter({
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    counters: deps.counters,
    key: (c) => clientIp(c, deps),
  });
  const writeAccessLine = accessLogger();
  const record = requestRecorder(metrics);
  const security = securityHeaderList({ https: config.publicUrl.startsWith('https:') });

  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      const incoming = c.req.header('x-request-id');
      const requestId = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      c.set('requestId', requestId);
      c.set('config', deps.config);
      c.set('deps', deps);
      c.header('X-Request-Id', requestId);
      await next();
    }),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      const started = performance.now();
      await next();
      if (changes.includes('bound-metrics'))
        return record(c.req.method, routePath(c), c.res.status, (performance.now() - started) / 1000);
      const pattern = routePath(c);
      const route = pattern === '*' || pattern === '/*' || pattern === '' ? 'unmatched' : pattern;
      const method = c.req.method;
      metrics.requests.inc({ method, route, status: String(c.res.status) });
      metrics.duration.observe({ method, route }, (performance.now() - started) / 1000);
    }),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      const started = performance.now();
      await next();
      writeAccessLine(c, c.res.status, performance.now() - started);
    }),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      for (const [name, value] of security) c.header(name, value);
      await next();
    }),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      cors.headers(c, c);
      const preflight = cors.preflight(c);
      if (preflight) return preflight;
      await next();
    }),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      const path = c.req.path;
      if (!RATE_LIMIT_EXEMPT.has(path) && !path.startsWith('/hls/') && !path.startsWith('/vod/')) {
        await limit(c);
      }
      await next();
    }),
  );
  const limitBody = bodyLimit(config.bodyLimitBytes);
  app.use((c, next) =>
    OWN_BODY_LIMIT.has(c.req.path) || c.req.path.startsWith(UPLOADS_PATH) ? next() : limitBody(c, next),
  );
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      if (changes.includes('text-guard-fast-path')) assertStorableUrl(c);
      else legacyTextGuard(c);
      await next();
    }),
  );
  const track = requestDeadlines(config.requestTimeoutMs);
  const ms = config.requestTimeoutMs;
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      if (c.req.path.startsWith(UPLOADS_PATH)) return next();
      if (changes.includes('deadline-queue')) return track(next());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError(503, 'request_timeout', `The request took longer than ${ms} ms.`)),
          ms,
        );
      });
      try {
        await Promise.race([next(), expired]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

function legacyTextGuard(c: Parameters<typeof assertStorableUrl>[0]): void {
  const errors: FieldError[] = [];
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  const end = url.search(/[?#]/);
  const rawPath = url.slice(start, end === -1 ? undefined : end);
  if (!isStorableText(c.req.path) || /%00/.test(rawPath)) {
    errors.push({ path: 'path', message: UNSTORABLE_TEXT_MESSAGE });
  }
  if (url.includes('?')) {
    for (const [key, values] of Object.entries(c.req.queries())) {
      if (!isStorableText(key)) errors.push({ path: 'query', message: UNSTORABLE_TEXT_MESSAGE });
      else if (!values.every(isStorableText)) {
        errors.push({ path: `query.${key}`, message: UNSTORABLE_TEXT_MESSAGE });
      }
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
}
