/**
 * The real app served by `serveOnBun` on an embedded database, for tests that run on Node and need the
 * Bun server's HTTP behaviour (body-limit.test.ts).
 *
 *   bun api/src/middleware/testing/gateway-on-bun.ts
 *   env: BODY_LIMIT_BYTES
 *   stdout, first line: {"port"}; stops on SIGTERM
 */
import { createApp } from '../../app.ts';
import { serveOnBun } from '../../server/bun.ts';
import { createTestBackends } from '../../testing/test-deps.ts';

const backends = await createTestBackends('pglite');
const { app } = createApp(backends.deps({ BODY_LIMIT_BYTES: process.env.BODY_LIMIT_BYTES ?? '1024' }));
const server = await serveOnBun({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await backends.close();
    process.exit(0);
  })();
});
