/**
 * The Node peer to beat (FIELD-NOTES): Fastify 5 with @fastify/helmet, @fastify/cors for one origin,
 * @fastify/rate-limit in memory, its pino logger (the gateway's configuration, writing to the log file)
 * with one line per request, request ids echoed in `X-Request-Id` and a problem+json error handler.
 * Its authenticated route is `peer-auth.ts`.
 */
import { randomUUID } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import { createLogger } from '@streamhub/logger/logger';
import Fastify from 'fastify';
import { pino } from 'pino';
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

const app = Fastify({
  loggerInstance: logger,
  // Fastify logs two lines per request by default; the onResponse hook below writes its completion
  // line alone, so every server writes one line per request.
  disableRequestLogging: true,
  genReqId: (req) => {
    const incoming = req.headers['x-request-id'];
    return typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  },
});
await app.register(fastifyHelmet);
await app.register(fastifyCors, {
  origin: BENCH_ORIGIN,
  credentials: true,
  exposedHeaders: [
    'X-Request-Id',
    'RateLimit-Limit',
    'RateLimit-Remaining',
    'RateLimit-Reset',
    'Retry-After',
  ],
});
await app.register(fastifyRateLimit, { max: 100_000_000, timeWindow: 60_000 });
app.addHook('onRequest', (request, reply, done) => {
  reply.header('X-Request-Id', request.id);
  done();
});
app.addHook('onResponse', (request, reply, done) => {
  request.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  done();
});
app.setErrorHandler((error, request, reply) => {
  request.log.error({ err: error }, 'request failed');
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  return reply
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'urn:streamhub:problem:internal_error', status, requestId: request.id }));
});

app.get(BENCH_ROUTES.plain, async () => systemInfo());
app.get(BENCH_ROUTES.auth, async (request, reply) => {
  const session = await auth.session(request.headers.authorization);
  if (session) return session;
  return reply.status(401).type('application/problem+json').send('{"code":"invalid_token"}');
});

await app.listen({ host: BENCH_HOST, port: 0 });
const address = app.server.address();
announceReady(typeof address === 'object' && address ? address.port : 0);
stopOnSignals(async () => {
  await app.close();
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  await auth.close();
});
