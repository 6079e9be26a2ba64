/**
 * Bench-only builds of the gateway app for the ablation: `createApp` itself, its routes without
 * middleware, or its routes behind the pre-issue-19 stack (`legacy-stack.ts`), mounted as createApp
 * (api/src/app.ts) mounts them.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '@streamhub/api/app';
import type { AppEnv } from '@streamhub/api/context';
import type { GatewayDeps } from '@streamhub/api/deps';
import { onError, onNotFound } from '@streamhub/api/http/error-handler';
import { MODULES } from '@streamhub/api/modules';
import { mountRoutes } from '@streamhub/api/modules/run-modules';
import { createGatewayMetrics } from '@streamhub/api/observability/metrics';
import { docsRoutes } from '@streamhub/api/openapi/docs.routes';
import { webRoutes } from '@streamhub/api/web/web.routes';
import type { Variant } from '../ablation-variants.ts';
import { useLegacyStack } from './legacy-stack.ts';

export interface VariantApp {
  fetch(request: Request, env: unknown): Response | Promise<Response>;
}

export function createVariantApp(deps: GatewayDeps, variant: Variant): VariantApp {
  if (variant.name === 'full') return createApp(deps, { processMetrics: true }).app;
  const { config } = deps;
  const metrics = createGatewayMetrics({ processMetrics: true });
  const app = new OpenAPIHono<AppEnv>();
  if ('legacy' in variant) useLegacyStack(app, deps, metrics, variant.changes);
  else {
    app.use((c, next) => {
      c.set('config', deps.config);
      c.set('deps', deps);
      return next();
    });
  }
  app.onError(onError);
  app.notFound(onNotFound);
  mountRoutes(app, MODULES, { config, metrics });
  app.route('/', webRoutes());
  app.route('/', docsRoutes(app, config.publicUrl));
  return app;
}
