/**
 * Webhook deliveries per second to a local receiver (issue 15's target: ≥ 1,000/s), on the embedded
 * defaults (PGlite, in-process jobs), on PostgreSQL + Redis (BullMQ) and on PostgreSQL with the in-process
 * job runner (`postgres-inprocess`: what the queue costs apart from the database), with an anchor measured in the
 * same run: the same signed POSTs sent straight with node:http at the same concurrency, so the ratio
 * shows what the pipeline (claim, sign, SSRF check, send, log, next state) costs over the bare request.
 *
 *   node --import tsx bench/webhooks/run.ts [--deliveries 3000] [--concurrency 32] [--setups embedded,postgres,postgres-inprocess]
 *
 * The receiver runs in this process and checks every signature as docs/webhooks.md shows. The
 * deliveries are queued first (one event fanned out per delivery, 32 events at a time) and the workers started after, so the
 * time covers delivering only.
 */
import { createHmac } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { UsersRepository } from '@streamhub/api/domains/users/users.repository';
import { createJobHandlers } from '@streamhub/api/jobs/handlers';
import { createLogMailer } from '@streamhub/api/mail/log-mailer';
import { createTestBackends } from '@streamhub/api/testing/test-deps';
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import { createBullMqJobQueue } from '@streamhub/infra/jobs/bullmq';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
    setups: { type: 'string', default: 'embedded,postgres' },
  },
});
const DELIVERIES = Number(values.deliveries);
const CONCURRENCY = Number(values.concurrency);
type Setup = 'embedded' | 'postgres' | 'postgres-inprocess';
const SETUPS = values.setups.split(',') as Setup[];

/** A receiver that verifies each signature (HMAC-SHA256 over `t.body`) and counts the valid ones. */
async function startReceiver(secretOf: () => string) {
  let valid = 0;
  let invalid = 0;
  let onCount: (() => void) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = String(req.headers['streamhub-signature'] ?? '');
      const t = /t=(\d+)/.exec(header)?.[1];
      const expected = createHmac('sha256', secretOf()).update(`${t}.${raw}`).digest('hex');
      if (header.includes(`v1=${expected}`)) valid += 1;
      else invalid += 1;
      res.writeHead(200).end();
      onCount?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    counts: () => ({ valid, invalid }),
    reset: () => {
      valid = 0;
      invalid = 0;
    },
    /** Resolves when `n` requests (valid or not) have arrived since the last reset. */
    waitFor: (n: number) =>
      new Promise<void>((resolve) => {
        onCount = () => {
          if (valid + invalid >= n) resolve();
        };
        onCount();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        // Deliveries keep their connections alive (Node's global agent): do not wait for them to idle out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** This process's user + system CPU in ms. */
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/**
 * The anchor: the same kind of signed POST, sent with node:http at the same concurrency, no queue.
 * Resolves to requests per second and this process's CPU ms per request (sender and receiver).
 */
async function anchor(
  url: string,
  secret: string,
  n: number,
  keepAlive: boolean,
): Promise<{ perSecond: number; cpuMs: number }> {
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    type: 'bench',
    createdAt: new Date().toISOString(),
    data: { n: 1 },
  });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next += 1;
      const t = Math.floor(Date.now() / 1000);
      const signature = `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'streamhub-signature': signature },
            agent: keepAlive ? keepAliveAgent : false,
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return {
    perSecond: n / ((performance.now() - started) / 1000),
    cpuMs: cpuMs(process.cpuUsage(cpuBefore)) / n,
  };
}
const { Agent } = await import('node:http');
const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

async function streamhub(
  setup: Setup,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  setSecret: (s: string) => void,
) {
  const backends = await createTestBackends(setup === 'embedded' ? 'pglite' : 'postgres');
  const prefix = randomTestPrefix('bench-webhooks');
  let jobs: JobQueue<JobDefinitionsMap> = backends.jobs;
  if (setup === 'postgres')
    jobs = await createBullMqJobQueue(JOB_DEFINITIONS, { url: TEST_REDIS_URL, prefix });
  try {
    const deps = backends.deps(
      { WEBHOOKS_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'silent' },
      {},
      setup === 'postgres' ? { jobs } : {},
    );
    const owner = await new UsersRepository(backends.database.db).create({
      email: `bench-${Date.now()}@example.test`,
      username: `bench_${Date.now()}`,
      role: 'viewer',
    });
    const webhooks = deps.services.webhooks;
    const endpoint = await webhooks.createEndpoint(
      { userId: owner.id, role: 'viewer' },
      { url: receiver.url, events: ['video.failed'], description: 'bench', scope: 'user' },
    );
    setSecret(endpoint.secret);
    const queuedAt = performance.now();
    let nextEvent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (nextEvent < DELIVERIES) {
          const i = nextEvent++;
          await webhooks.fanOut({
            id: crypto.randomUUID(),
            name: 'video.failed',
            payload: { videoId: crypto.randomUUID(), ownerId: owner.id, reason: `bench ${i}` },
            createdAt: new Date().toISOString(),
          });
        }
      }),
    );
    const fanOutPerSecond = DELIVERIES / ((performance.now() - queuedAt) / 1000);
    receiver.reset();
    const arrived = receiver.waitFor(DELIVERIES);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await jobs.start(createJobHandlers({ mailer: createLogMailer(deps.logger), webhooks }), {
      concurrency: CONCURRENCY,
    });
    await arrived;
    const perSecond = DELIVERIES / ((performance.now() - started) / 1000);
    const cpuMsPerDelivery = cpuMs(process.cpuUsage(cpuBefore)) / DELIVERIES;
    return { perSecond, fanOutPerSecond, cpuMsPerDelivery, ...receiver.counts() };
  } finally {
    if (jobs !== backends.jobs) await jobs.close();
    await backends.close();
    if (setup === 'postgres') await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
  }
}

let secret = 'whsec_anchor';
const receiver = await startReceiver(() => secret);
console.log(
  `webhooks bench: ${DELIVERIES} deliveries, concurrency ${CONCURRENCY}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const anchorNew = await anchor(receiver.url, secret, DELIVERIES, false);
const anchorKeepAlive = await anchor(receiver.url, secret, DELIVERIES, true);
console.log(
  `anchor node:http, a connection per request: ${anchorNew.perSecond.toFixed(0)}/s, ${anchorNew.cpuMs.toFixed(3)} CPU ms each; keep-alive: ${anchorKeepAlive.perSecond.toFixed(0)}/s, ${anchorKeepAlive.cpuMs.toFixed(3)} CPU ms each (this process: sender and receiver)`,
);
for (const setup of SETUPS) {
  const result = await streamhub(setup, receiver, (s) => {
    secret = s;
  });
  console.log(
    `${setup}: ${result.perSecond.toFixed(0)} deliveries/s (${(result.perSecond / anchorNew.perSecond).toFixed(2)}x the per-connection anchor, target ≥ 1000/s ${result.perSecond >= 1000 ? 'PASS' : 'FAIL'}); ` +
      `${result.cpuMsPerDelivery.toFixed(3)} CPU ms per delivery in this process (receiver included; ${(result.cpuMsPerDelivery - anchorKeepAlive.cpuMs).toFixed(3)} over the keep-alive anchor), so one free core ≈ ${(1000 / result.cpuMsPerDelivery).toFixed(0)}/s; ` +
      `fan-out ${result.fanOutPerSecond.toFixed(0)} events/s; signatures valid ${result.valid}, invalid ${result.invalid}`,
  );
}
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
await receiver.close();
keepAliveAgent.destroy();
