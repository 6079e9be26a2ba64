/** Bun's ceiling: a bare `Bun.serve` with its static route table, no framework and no middleware. */
import { BENCH_HOST, BENCH_ROUTES } from '../protocol.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { openPeerAuth } from './peer-auth.ts';
import { systemInfo } from './system-info.ts';

const bun = globalThis.Bun;
if (!bun) throw new Error('bare-bun.ts runs on Bun');
const args = serverArgs();
const auth = openPeerAuth(requireArg(args, 'dataDir'), requireArg(args, 'databaseUrl'));

// Serialised per request like every other server; the id keeps the response contract the same.
const json = (status: number, value: unknown) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': crypto.randomUUID() },
  });

const server = bun.serve({
  hostname: BENCH_HOST,
  port: 0,
  routes: {
    [BENCH_ROUTES.plain]: { GET: () => json(200, systemInfo()) },
    [BENCH_ROUTES.auth]: {
      GET: async (request) => {
        const session = await auth.session(request.headers.get('authorization') ?? undefined);
        return session ? json(200, session) : json(401, { code: 'invalid_token' });
      },
    },
  },
  fetch: () => new Response(null, { status: 404 }),
});

announceReady(server.port ?? 0);
stopOnSignals(async () => {
  await server.stop(true);
  await auth.close();
});
