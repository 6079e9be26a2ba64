/**
 * The gateway's app factory: middleware, every domain router under `/api/v1`, operational routes
 * and the API reference. Runtime entry points (Node, Bun) and tests all build the app here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import type { GatewayDeps } from './deps.ts';
import { authRoutes, jwksRoutes } from './domains/auth/auth.routes.ts';
import { emailFlowRoutes } from './domains/auth/email-flows.routes.ts';
import { oauthRoutes } from './domains/auth/oauth.routes.ts';
import { channelRoutes } from './domains/channels/channels.routes.ts';
import { chatRoutes } from './domains/chat/chat.routes.ts';
import { commentRoutes, targetCommentRoutes } from './domains/engagement/comments.routes.ts';
import { followingRoutes, followRoutes } from './domains/engagement/follows.routes.ts';
import { likeRoutes } from './domains/engagement/likes.routes.ts';
import { LIVE_SESSION_ROUTES } from './domains/engagement/target-routes.ts';
import { playbackRoutes } from './domains/playback/playback.routes.ts';
import { systemRoutes } from './domains/system/system.routes.ts';
import { AVATAR_UPLOAD_PATH, avatarFileRoutes, userRoutes } from './domains/users/users.routes.ts';
import { UPLOADS_PATH, uploadRoutes } from './domains/videos/uploads.routes.ts';
import { channelVideoRoutes, myVideoRoutes, videoRoutes } from './domains/videos/videos.routes.ts';
import { vodPlaybackRoutes } from './domains/videos/vod-playback.routes.ts';
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
import { createGatewayMetrics, type GatewayMetrics, recordMetrics } from './observability/metrics.ts';
import { docsRoutes } from './openapi/docs.routes.ts';
import { viewerRoutes } from './realtime/viewers.routes.ts';
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

  // Chained so that the exported type carries every route for the typed client (`hc<GatewayApp>`).
  const routes = app
    .route('/', systemRoutes(metrics, config.metricsToken))
    .route('/', jwksRoutes())
    .route('/api/v1/auth', authRoutes())
    .route('/api/v1/auth', emailFlowRoutes())
    .route('/api/v1/auth/oauth', oauthRoutes())
    .route('/api/v1/users', userRoutes())
    .route('/api/v1/channels', channelRoutes())
    .route('/api/v1/channels', chatRoutes())
    .route('/api/v1/channels', viewerRoutes())
    .route('/api/v1/channels', followRoutes())
    .route('/api/v1/users', followingRoutes())
    .route('/api/v1/live-sessions', likeRoutes(LIVE_SESSION_ROUTES))
    .route('/api/v1/live-sessions', targetCommentRoutes(LIVE_SESSION_ROUTES))
    .route('/api/v1/comments', commentRoutes())
    .route('/api/v1/videos', videoRoutes())
    .route('/api/v1/channels', channelVideoRoutes())
    .route('/api/v1/users', myVideoRoutes())
    .route('/', avatarFileRoutes());
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from `POST /api/v1/auth/login` (expires in ACCESS_TOKEN_TTL_SECONDS)',
  });
  app.route('/', playbackRoutes());
  app.route('/', vodPlaybackRoutes());
  app.route('/', webRoutes());
  app.route(UPLOADS_PATH, uploadRoutes());
  app.route('/', docsRoutes(app, config.publicUrl));
  return { app: routes, metrics };
}

export type GatewayApp = ReturnType<typeof createApp>['app'];
