/** Liveness, readiness, metrics and build information. */
import { createRoute, z } from '@hono/zod-openapi';
import { HealthSchema, ReadinessSchema, SystemInfoSchema } from '@streamhub/contracts/system';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireBearerToken } from '../../middleware/bearer-token.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { runtime, runtimeVersion, streamhubVersion } from '../../runtime-info.ts';
import { checkReadiness } from './readiness.ts';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['system'],
  summary: 'Liveness: the process is up and serving',
  responses: { 200: jsonResponse(HealthSchema, 'The process is alive') },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['system'],
  summary: 'Readiness: every dependency (database, Redis when configured) answers',
  responses: {
    200: jsonResponse(ReadinessSchema, 'Every dependency answered'),
    503: jsonResponse(ReadinessSchema, 'At least one dependency failed; see `checks`'),
  },
});

const info = createRoute({
  method: 'get',
  path: '/api/v1/system/info',
  operationId: 'getSystemInfo',
  tags: ['system'],
  summary: 'Version, runtime, storage drivers, public URL and ingest address of this gateway',
  responses: {
    200: jsonResponse(SystemInfoSchema, 'Build and runtime information'),
    429: problemResponse('Rate limit exceeded'),
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['system'],
  summary: 'Prometheus metrics in the text exposition format',
  description: 'Requires `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is configured.',
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    401: problemResponse('METRICS_TOKEN is configured and the request did not present it'),
  },
});

export function systemRoutes(metrics: GatewayMetrics, metricsToken: string | undefined) {
  const router = createRouter();
  router.use('/metrics', requireBearerToken(metricsToken));
  return router
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      const readiness = await checkReadiness(c.get('deps').readiness);
      c.header('Cache-Control', 'no-store');
      return c.json(readiness, readiness.status === 'ready' ? 200 : 503);
    })
    .openapi(info, (c) =>
      c.json(
        {
          name: 'streamhub' as const,
          version: streamhubVersion,
          runtime,
          runtimeVersion,
          drivers: c.get('deps').drivers,
          publicUrl: c.get('config').publicUrl,
          ingest: { rtmpUrl: c.get('config').media.rtmpPublicUrl },
        },
        200,
      ),
    )
    .openapi(metricsRoute, async (c) =>
      c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
    );
}
