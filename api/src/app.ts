/**
 * The gateway's app factory: middleware, every module's routers (`/api/v1/<domain>`, `/hls/`, …), the
 * watch page and the API reference. Runtime entry points (Node, Bun) and tests all build the app here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import type { GatewayDeps } from './deps.ts';
import { AVATAR_UPLOAD_PATH } from './domains/users/users.routes.ts';
import { UPLOADS_PATH } from './domains/videos/uploads.routes.ts';
import { clientIp } from './http/client-ip.ts';
import { onError, onNotFound } from './http/error-handler.ts';
import { accessLog } from './middleware/access-log.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { cors } from './middleware/cors.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestContext } from './middleware/request-context.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { textGuard } from './middleware/text-guard.ts';
import { requestTimeout } from './middleware/timeout.ts';
import type { ModulesSchema } from './modules/domain-module.ts';
import { mountRoutes } from './modules/run-modules.ts';
import { type AppModules, MODULES } from './modules.ts';
import { createGatewayMetrics, type GatewayMetrics, recordMetrics } from './observability/metrics.ts';
import { docsRoutes } from './openapi/docs.routes.ts';
import { webRoutes } from './web/web.routes.ts';

export interface CreateAppOptions {
  /** Add process-wide metrics (event loop, memory) to `/metrics`; once per process. */
  processMetrics?: boolean;
}

// Probes and scrapes must never be throttled, or a busy gateway looks dead to its orchestrator.
const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
// Uploads with a limit of their own (AVATAR_MAX_BYTES), set by their route; the global one would cut them off.
const OWN_BODY_LIMIT = new Set([AVATAR_UPLOAD_PATH]);

export function createApp(deps: GatewayDeps, options: CreateAppOptions = {}) {
  const { config } = deps;
  const metrics: GatewayMetrics = createGatewayMetrics({ processMetrics: options.processMetrics ?? false });
  const limiter = rateLimit({
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    counters: deps.counters,
    key: (c) => clientIp(c, deps),
  });

  const app = new OpenAPIHono<AppEnv>();
  app.use(requestContext(deps));
  app.use(recordMetrics(metrics));
  app.use(accessLog());
  app.use(securityHeaders({ https: config.publicUrl.startsWith('https:') }));
  app.use(cors([...config.corsOrigins, new URL(config.publicUrl).origin]));
  // HLS players poll playlists and segments every second or two, often many viewers behind one address.
  app.use((c, next) =>
    RATE_LIMIT_EXEMPT.has(c.req.path) || c.req.path.startsWith('/hls/') || c.req.path.startsWith('/vod/')
      ? next()
      : limiter(c, next),
  );
  const limitBody = bodyLimit(config.bodyLimitBytes);
  // tus uploads stream any size to disk (VIDEO_MAX_BYTES is checked at creation) and may take long.
  const isUpload = (path: string) => path.startsWith(UPLOADS_PATH);
  app.use((c, next) =>
    OWN_BODY_LIMIT.has(c.req.path) || isUpload(c.req.path) ? next() : limitBody(c, next),
  );
  // Paths and queries; JSON bodies are checked by each router's validation (http/router.ts).
  app.use(textGuard());
  const timeout = requestTimeout(config.requestTimeoutMs);
  app.use((c, next) => (isUpload(c.req.path) ? next() : timeout(c, next)));
  app.onError(onError);
  app.notFound(onNotFound);

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
