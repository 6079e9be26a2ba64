import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { startTestSmtpServer } from '@streamhub/api/testing/smtp-test-server';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { freePort } from '@streamhub/infra/shared/free-port';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitForExit, waitForOk } from '../testing/cli-process.ts';
import { type Deployment, startDeployment } from '../testing/deployment.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'streamhub-serve-'));
const running: ReturnType<typeof startCli>[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('streamhub dev (Node)', () => {
  it('serves the all-in-one process on embedded defaults and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const child = startCli(['dev'], {
      cwd,
      env: { PORT: String(port), HOST: '127.0.0.1', RTMP_PORT: String(await freePort()) },
    });
    running.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, 60_000, child);

    const status = await runCli(['status', '--url', base], { cwd });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^StreamHub at http:\/\/127\.0\.0\.1:\d+: ready\n/);
    expect(status.stdout).toContain('database pglite');

    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('StreamHub API reference');

    const unknown = await fetch(`${base}/api/v1/nope`);
    expect(unknown.status).toBe(404);
    expect(ProblemSchema.parse(await unknown.json()).code).toBe('not_found');

    const malformed = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect(ProblemSchema.parse(await malformed.json()).code).toBe('malformed_json');

    child.kill('SIGTERM');
    expect(await waitForExit(child)).toBe(0);
    expect(existsSync(join(cwd, '.streamhub', 'db'))).toBe(true);
  });
});

describe('streamhub serve api (Bun, PostgreSQL, Redis)', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    // Replicas share one key ring through the environment, as a real deployment would.
    deployment = await startDeployment({ label: 'serve', env: { RATE_LIMIT_MAX: '5' } });
  });
  afterAll(() => deployment.close());

  // Replicas given the same prefix share rate-limit counters; each test gets its own (inside the
  // deployment's, which close() clears).
  const newPrefix = () => `${deployment.env.REDIS_PREFIX}${crypto.randomUUID().slice(0, 8)}:`;
  const startGateway = (prefix = newPrefix()) =>
    deployment.gateway({ runtime: 'bun', env: { REDIS_PREFIX: prefix } });

  it('reports both dependencies and the Bun runtime', async () => {
    const { child, base } = await startGateway();
    const readiness = await ok(gatewayClient(base).readyz.$get());
    expect(readiness.status).toBe('ready');
    expect(readiness.checks.map((c) => c.name).sort()).toEqual(['database', 'redis']);

    const info = await ok(gatewayClient(base).api.v1.system.info.$get());
    expect(info).toMatchObject({ runtime: 'bun', drivers: { database: 'postgres', infra: 'redis' } });

    const status = await runCli(['status', '--url', base, '--json'], { cwd: tempDir() });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'ready', info: { runtime: 'bun' } });

    child.kill('SIGINT');
    expect(await waitForExit(child)).toBe(0);
  });

  it('shares the rate limit between two replicas through Redis', async () => {
    const prefix = newPrefix();
    const [a, b] = await Promise.all([startGateway(prefix), startGateway(prefix)]);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await gatewayClient(i % 2 === 0 ? a.base : b.base).api.v1.system.info.$get();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('a separate worker process sends the email a gateway enqueued (BullMQ on Redis)', async () => {
    const smtp = await startTestSmtpServer();
    try {
      const prefix = newPrefix();
      const { base } = await startGateway(prefix);
      const worker = await deployment.worker({
        runtime: 'bun',
        env: { REDIS_PREFIX: prefix, SMTP_URL: smtp.url },
      });
      const email = `worker-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const registered = await gatewayClient(base).api.v1.auth.register.$post({
        json: { email, username: `w${crypto.randomUUID().slice(0, 8)}`, password: 'a long enough secret' },
      });
      expect(registered.status).toBe(201);
      const mail = await smtp.waitForMail((m) => m.envelope.to.includes(email), 30_000);
      expect(mail.text).toContain('/verify-email?token=');
      worker.child.kill('SIGTERM');
      expect(await waitForExit(worker.child)).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  it('serve worker refuses to start without REDIS_URL', async () => {
    const result = await runCli(['serve', 'worker'], { cwd: tempDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'streamhub: serve worker needs REDIS_URL (without Redis, jobs run in the gateway)\n',
    );
  });

  it('finishes an in-flight request after SIGTERM before exiting', async () => {
    const { child, base } = await startGateway();
    const url = new URL('/api/v1/auth/register', base);
    const body = JSON.stringify({
      email: 'inflight@example.com',
      username: 'inflight',
      password: 'a long enough secret',
    });
    const response = new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      // Half the body now, the rest after the server was told to stop.
      req.write(body.slice(0, 20));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 500);
      }, 300);
    });
    expect(await response).toBe(201);
    expect(await waitForExit(child)).toBe(0);
  });
});
