/**
 * The original design's baseline: Express 5 with the stock equivalents of the gateway's middleware
 * (request id, pino-http, helmet, cors for one origin, express-rate-limit in memory, an error handler);
 * its authenticated route is `peer-auth.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@streamhub/logger/logger';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { BENCH_HOST, BENCH_ORIGIN, BENCH_ROUTES } from '../protocol.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { openPeerAuth } from './peer-auth.ts';
import { systemInfo } from './system-info.ts';

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const args = serverArgs();
const auth = openPeerAuth(requireArg(args, 'dataDir'), requireArg(args, 'databaseUrl'));
// The same logger configuration as the gateway's, so the two differ only in what each logs per request.
const logger = createLogger({
  level: 'info',
  name: 'gateway',
  destination: pino.destination({ dest: requireArg(args, 'logFile'), sync: false }),
});

const app = express();
app.use(
  pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
  }),
);
app.use(helmet());
app.use(
  cors({
    origin: BENCH_ORIGIN,
    credentials: true,
    exposedHeaders: [
      'X-Request-Id',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
    ],
  }),
);
app.use(
  rateLimit({ windowMs: 60_000, limit: 100_000_000, standardHeaders: 'draft-6', legacyHeaders: false }),
);
app.get(BENCH_ROUTES.plain, (_req, res) => {
  res.json(systemInfo());
});
app.get(BENCH_ROUTES.auth, async (req, res) => {
  const session = await auth.session(req.headers.authorization);
  if (session) res.json(session);
  else res.status(401).type('application/problem+json').send('{"code":"invalid_token"}');
});

const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  req.log.error({ err: error }, 'request failed');
  res
    .status(500)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'urn:streamhub:problem:internal_error', status: 500, requestId: req.id }));
};
app.use(onError);

const server = app.listen(0, BENCH_HOST, () => announceReady((server.address() as AddressInfo).port));
stopOnSignals(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  await auth.close();
});
