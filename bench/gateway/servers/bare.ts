/** The ceiling: a bare node:http handler with no framework and no middleware, same routes and bodies. */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_HOST, BENCH_ROUTES } from '../protocol.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { openPeerAuth } from './peer-auth.ts';
import { systemInfo } from './system-info.ts';

const args = serverArgs();
const auth = openPeerAuth(requireArg(args, 'dataDir'), requireArg(args, 'databaseUrl'));

// Serialised per request like every other server; the id keeps the response contract the same.
function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': randomUUID(),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === BENCH_ROUTES.plain) return sendJson(res, 200, systemInfo());
  if (req.method === 'GET' && req.url === BENCH_ROUTES.auth) {
    auth.session(req.headers.authorization).then(
      (session) => (session ? sendJson(res, 200, session) : sendJson(res, 401, { code: 'invalid_token' })),
      () => sendJson(res, 500, { code: 'internal_error' }),
    );
    return;
  }
  res.writeHead(404).end();
});

server.listen(0, BENCH_HOST, () => announceReady((server.address() as AddressInfo).port));
stopOnSignals(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await auth.close();
});
