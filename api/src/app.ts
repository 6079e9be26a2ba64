/**
 * The gateway's app factory: middleware, every module's routers (`/api/v1/<domain>`, `/hls/`, …), the
 * watch page and the API reference. Runtime entry points (Node, Bun) and tests all build the app here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppContext, AppEnv } from './context.ts';
import type { GatewayDeps } from './deps.ts';
import { HLS_ROUTE, llFastPath } from './domains/playback/ll-fast-path.ts';
import { AVATAR_UPLOAD_PATH } from './domains/users/users.routes.ts';
import { UPLOADS_PATH } from './domains/videos/uploads.routes.ts';
import { clientIp } from './http/client-ip.ts';
import { onError, onNotFound } from './http/error-handler.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { corsPolicy } from './middleware/cors.ts';
import { dispatchThrough } from './middleware/dispatch.ts';
import { requestObserver } from './middleware/observe.ts';
import { rateLimiter } from './middleware/rate-limit.ts';
import { startRequest } from './middleware/request-context.ts';
import { requestIds } from './middleware/request-id.ts';
import { handOverRouteHeaders } from './middleware/response-headers.ts';
import { securityHeaderList } from './middleware/security-headers.ts';
import { assertStorableUrl } from './middleware/text-guard.ts';
import { requestDeadlines } from './middleware/timeout.ts';
import type { ModulesSchema } from './modules/domain-module.ts';
import { mountRoutes } from './modules/run-modules.ts';
import { type AppModules, MODULES } from './modules.ts';
import { createGatewayMetrics, type GatewayMetrics } from './observability/metrics.ts';
import { docsRoutes } from './openapi/docs.routes.ts';
import { webRoutes } from './web/web.routes.ts';
import { ASSETS_PATH } from './web/web-assets.ts';

/** The matched handlers of a request, and what they (or a guard) answer. */
type Answer = Response | Promise<Response>;
type Run = () => Answer;

export interface CreateAppOptions {
  /** Add process-wide metrics (event loop, memory) to `/metrics`; once per process. */
  processMetrics?: boolean;
}

// Probes and scrapes must never be throttled, or a busy gateway looks dead to its orchestrator.
const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
// Beacons carry a signed view token and are limited per view by the analytics service instead: many
// viewers behind one NAT address would otherwise exhaust that address's budget (docs/analytics.md).
const BEACONS_PATH = '/api/v1/analytics/beacons';
// Media and the pages' static files are outside the per-address limit: HLS players poll playlists and
// segments every second or two, often many viewers behind one address; the content-hashed assets are
// cached forever, so a browser asks for each once, yet a page view asks for several (a signed-in tour
// of the studio hit the limit on its assets alone).
const UNLIMITED_PREFIXES = ['/hls/', '/vod/', `${ASSETS_PATH}/`];
const limitedPerAddress = (path: string, method: string) =>
  !RATE_LIMIT_EXEMPT.has(path) &&
  !(path === BEACONS_PATH && method === 'POST') &&
  !UNLIMITED_PREFIXES.some((prefix) => path.startsWith(prefix));
// Uploads with a limit of their own (AVATAR_MAX_BYTES), set by their route; the global one would cut them off.
const OWN_BODY_LIMIT = new Set([AVATAR_UPLOAD_PATH]);

export function createApp(deps: GatewayDeps, options: CreateAppOptions = {}) {
  const { config } = deps;
  const metrics: GatewayMetrics = createGatewayMetrics({ processMetrics: options.processMetrics ?? false });
  const limit = rateLimiter({
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    counters: deps.counters,
    key: (c) => clientIp(c, deps),
  });
  const cors = corsPolicy([...config.corsOrigins, new URL(config.publicUrl).origin]);
  const limitBody = bodyLimit(config.bodyLimitBytes);
  const withinDeadline = requestDeadlines(config.requestTimeoutMs);

  const securityHeaders = securityHeaderList({ https: config.publicUrl.startsWith('https:') });
  const start = startRequest(deps, { securityHeaders, cors });
  const observe = requestObserver(metrics);

  // After the rate limit: the path and query guard, the deadline (not for uploads), then the routes.
  // tus uploads stream any size to disk (VIDEO_MAX_BYTES is checked at creation) and may take long.
  // Paths and queries only; JSON bodies are checked by each router's validation (http/router.ts).
  // Handlers that answer synchronously need no deadline: nothing of theirs is left to wait for.
  const checked = (c: AppContext, run: Run, upload: boolean): Answer => {
    assertStorableUrl(c);
    const answer = run();
    return upload || !(answer instanceof Promise) ? answer : withinDeadline(answer);
  };
  // No closure is made per request on the common path (GET, in-process counters).
  const guarded = (c: AppContext, run: Run, path: string): Answer => {
    const upload = path.startsWith(UPLOADS_PATH);
    // GET and HEAD carry no body; skipping the limit keeps the request object lazy on Node. Avatar
    // uploads have a limit of their own (AVATAR_MAX_BYTES), set by their route.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || upload || OWN_BODY_LIMIT.has(path)) {
      return checked(c, run, upload);
    }
    let answer: Answer | undefined;
    return limitBody(c, async () => {
      answer = await checked(c, run, upload);
    }).then(() => answer as Answer);
  };

  const app = new OpenAPIHono<AppEnv>();
  // The gateway's layers are plain functions around the matched handlers (middleware/dispatch.ts), not
  // Hono middleware: a read whose handler answers synchronously is answered without a promise
  // (docs/benchmarks.md, Gateway). First the request id, deps, security and CORS headers; then CORS
  // preflight, the rate limit (synchronous unless the counter store is Redis) and the guards; a
  // guard's error (429, 413, 422, 503) becomes its problem+json answer, observed (metrics and the
  // access line) like any other.
  dispatchThrough(
    app,
    { onError, onNotFound },
    {
      start,
      guard: (c, run) => {
        const preflight = cors.preflight(c);
        if (preflight) return preflight;
        const path = c.req.path;
        if (limitedPerAddress(path, c.req.method)) {
          const counted = limit(c);
          if (counted) return counted.then(() => guarded(c, run, path));
        }
        return guarded(c, run, path);
      },
      finish: (c, res, startedAt, route) => {
        handOverRouteHeaders(c, res);
        observe(c, res.status, startedAt, route);
      },
    },
  );

  // The LL-HLS requests every viewer makes per part skip the layers above when they can: the same
  // headers, metrics and access line, from a header set made once (domains/playback/ll-fast-path.ts).
  const full = app.fetch;
  const lowLatency = llFastPath({
    playback: deps.services.playback,
    earlyHeaders: [...securityHeaders, ...cors.withoutOrigin],
    requestId: requestIds(),
    observe: (id, path, status, startedAt) =>
      observe.answered(deps.logger, { id, method: 'GET', path }, status, startedAt, HLS_ROUTE),
  });
  app.fetch = (request, env, executionCtx) => lowLatency(request, () => full(request, env, executionCtx));

  // Every module's routers, in the order of MODULES (modules.ts, the one list of domains).
  mountRoutes(app, MODULES, { config, metrics });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from `POST /api/v1/auth/login` (expires in ACCESS_TOKEN_TTL_SECONDS)',
  });
  app.route('/', webRoutes());
  app.route('/', docsRoutes(app, config.publicUrl));
  // Mounting from a list loses Hono's chained route types; the modules' mounts give them back, so that
  // `hc<GatewayApp>` still knows every route of every module.
  const routes = app as unknown as OpenAPIHono<AppEnv, ModulesSchema<AppModules>>;
  return { app: routes, metrics };
}

export type GatewayApp = ReturnType<typeof createApp>['app'];
