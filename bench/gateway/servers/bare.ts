/** The ceiling: a bare node:http handler with no framework and no middleware, same route and body. */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_HOST, BENCH_PATH } from '../protocol.ts';
import { announceReady, stopOnSignals } from './lifecycle.ts';
import { systemInfo } from './system-info.ts';

const server = createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== BENCH_PATH) {
    res.writeHead(404).end();
    return;
  }
  // Serialised per request like every other server; the id keeps the response contract the same.
  const body = JSON.stringify(systemInfo());
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': randomUUID(),
  });
  res.end(body);
});

server.listen(0, BENCH_HOST, () => announceReady((server.address() as AddressInfo).port));
stopOnSignals(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
