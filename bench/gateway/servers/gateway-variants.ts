/**
 * Bench-only rebuilds of the gateway app (mirroring `createApp` in api/src/app.ts) from its own
 * middleware factories, with chosen middleware left out, to learn what each one costs.
 */

import type { ServerResponse } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '@streamhub/api/app';
import type { AppEnv } from '@streamhub/api/context';
import type { GatewayDeps } from '@streamhub/api/deps';
import { authRoutes, jwksRoutes } from '@streamhub/api/domains/auth/auth.routes';
import { emailFlowRoutes } from '@streamhub/api/domains/auth/email-flows.routes';
import { oauthRoutes } from '@streamhub/api/domains/auth/oauth.routes';
import { channelRoutes } from '@streamhub/api/domains/channels/channels.routes';
import { systemRoutes } from '@streamhub/api/domains/system/system.routes';
import { AVATAR_UPLOAD_PATH, avatarFileRoutes, userRoutes } from '@streamhub/api/domains/users/users.routes';
import { clientIp } from '@streamhub/api/http/client-ip';
import { onError, onNotFound } from '@streamhub/api/http/error-handler';
import { accessLog } from '@streamhub/api/middleware/access-log';
import { bodyLimit } from '@streamhub/api/middleware/body-limit';
import { cors } from '@streamhub/api/middleware/cors';
import { rateLimit } from '@streamhub/api/middleware/rate-limit';
import { requestContext } from '@streamhub/api/middleware/request-context';
import { API_CONTENT_SECURITY_POLICY, securityHeaders } from '@streamhub/api/middleware/security-headers';
import { requestTimeout } from '@streamhub/api/middleware/timeout';
import { createGatewayMetrics, recordMetrics } from '@streamhub/api/observability/metrics';
import { docsRoutes } from '@streamhub/api/openapi/docs.routes';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type Variant, without } from '../ablation-variants.ts';

// As in createApp (api/src/app.ts): keep these two and the route list below in step with it.
const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const OWN_BODY_LIMIT = new Set([AVATAR_UPLOAD_PATH]);

export interface VariantApp {
  fetch(request: Request, env: unknown): Response | Promise<Response>;
}

export function createVariantApp(deps: GatewayDeps, variant: Variant): VariantApp {
  if (variant.name === 'createApp') return createApp(deps, { processMetrics: true }).app;
  const skip = new Set(without(variant));
  const { config } = deps;
  const metrics = createGatewayMetrics({ processMetrics: true });
  const limiter = rateLimit({
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    counters: deps.counters,
    key: (c) => clientIp(c, deps),
  });

  const app = new OpenAPIHono<AppEnv>();
  // Without the request context, routes and the access log still need `deps` and a logger in `c.var`;
  // this stand-in gives them without an id, a child logger or a header.
  if (skip.has('request-context')) {
    app.use(
      createMiddleware<AppEnv>(async (c, next) => {
        c.set('config', deps.config);
        c.set('deps', deps);
        c.set('log', deps.logger);
        await next();
      }),
    );
  } else app.use(requestContext(deps));
  if (!skip.has('metrics')) app.use(recordMetrics(metrics));
  if (!skip.has('access-log')) app.use(accessLog());
  if ('experiment' in variant && variant.experiment === 'outgoing-headers') {
    app.use(outgoingHeaders([...config.corsOrigins, new URL(config.publicUrl).origin]));
  }
  if (!skip.has('security-headers'))
    app.use(securityHeaders({ https: config.publicUrl.startsWith('https:') }));
  if (!skip.has('cors')) app.use(cors([...config.corsOrigins, new URL(config.publicUrl).origin]));
  if (!skip.has('rate-limit')) {
    app.use((c, next) => (RATE_LIMIT_EXEMPT.has(c.req.path) ? next() : limiter(c, next)));
  }
  if (!skip.has('body-limit')) {
    const limitBody = bodyLimit(config.bodyLimitBytes);
    app.use((c, next) => (OWN_BODY_LIMIT.has(c.req.path) ? next() : limitBody(c, next)));
  }
  if (!skip.has('timeout')) app.use(requestTimeout(config.requestTimeoutMs));
  app.onError(onError);
  app.notFound(onNotFound);

  app
    .route('/', systemRoutes(metrics, config.metricsToken))
    .route('/', jwksRoutes())
    .route('/api/v1/auth', authRoutes())
    .route('/api/v1/auth', emailFlowRoutes())
    .route('/api/v1/auth/oauth', oauthRoutes())
    .route('/api/v1/users', userRoutes())
    .route('/api/v1/channels', channelRoutes())
    .route('/', avatarFileRoutes());
  app.route('/', docsRoutes(app, config.publicUrl));
  return app;
}

const STATIC_HEADERS: [string, string][] = [
  ['Content-Security-Policy', API_CONTENT_SECURITY_POLICY],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];
const EXPOSED = 'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After';

/**
 * Experiment (Node only, simple requests only): the headers of `securityHeaders` and `cors` set with
 * `ServerResponse.setHeader`, which @hono/node-server's `writeHead` merges, so that Hono never builds a
 * web `Headers` object for them. Synchronous: it returns `next()`'s promise instead of awaiting it.
 */
function outgoingHeaders(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins);
  return (c, next) => {
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing) {
      for (const [name, value] of STATIC_HEADERS) outgoing.setHeader(name, value);
      outgoing.setHeader('Vary', 'Origin');
      const origin = c.req.header('origin');
      if (origin && allowed.has(origin)) {
        outgoing.setHeader('Access-Control-Allow-Origin', origin);
        outgoing.setHeader('Access-Control-Allow-Credentials', 'true');
        outgoing.setHeader('Access-Control-Expose-Headers', EXPOSED);
      }
    }
    return next();
  };
}
