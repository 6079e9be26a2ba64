/** Shapes of the gateway's operational endpoints, shared with `streamhub status` and `channel show`. */
import { z } from '@hono/zod-openapi';

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export const ReadinessCheckSchema = z.object({
  name: z.string().openapi({ example: 'database' }),
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
});

export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.array(ReadinessCheckSchema),
  })
  .openapi('Readiness');

export type Readiness = z.infer<typeof ReadinessSchema>;

export const SystemInfoSchema = z
  .object({
    name: z.literal('streamhub'),
    version: z.string().openapi({ example: '0.1.0' }),
    runtime: z.enum(['node', 'bun']),
    runtimeVersion: z.string(),
    drivers: z.object({
      database: z.enum(['pglite', 'postgres']),
      infra: z.enum(['memory', 'redis']),
    }),
    publicUrl: z.url().openapi({
      description: 'Where clients reach this gateway (`PUBLIC_URL`): watch pages, playback and API',
      example: 'https://streamhub.example',
    }),
    ingest: z.object({
      rtmpUrl: z.string().openapi({
        description:
          'The server URL an encoder publishes to (`RTMP_PUBLIC_URL`): OBS takes it as "Server", with a stream key as "Stream Key"',
        example: 'rtmp://streamhub.example:1935/live',
      }),
    }),
  })
  .openapi('SystemInfo');

export type SystemInfo = z.infer<typeof SystemInfoSchema>;
