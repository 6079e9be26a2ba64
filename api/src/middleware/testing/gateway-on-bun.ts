/**
 * The real app served by `serveOnBun` on an embedded database, for tests that run on Node and need the
 * Bun server's HTTP behaviour (gateways.ts starts it).
 *
 *   bun api/src/middleware/testing/gateway-on-bun.ts
 *   env: GATEWAY_ENV, a JSON object of configuration variables
 *   stdout, first line: {"port"}; stops on SIGTERM
 */
import { createApp } from '../../app.ts';
import { serveOnBun } from '../../server/bun.ts';
import { createTestBackends } from '../../testing/test-deps.ts';

const backends = await createTestBackends('pglite');
const env = JSON.parse(process.env.GATEWAY_ENV ?? '{}') as Record<string, string>;
const { app } = createApp(backends.deps(env));
const server = await serveOnBun({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await backends.close();
    process.exit(0);
  })();
});
