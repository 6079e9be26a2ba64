import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import { loadDocumentedCheck } from '@streamhub/api/domains/webhooks/testing/documented-check';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '@streamhub/api/domains/webhooks/testing/webhook-receiver';
import { createJobHandlers } from '@streamhub/api/jobs/handlers';
import { createLogMailer } from '@streamhub/api/mail/log-mailer';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import {
  WebhookDeliveryQueuedSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from '@streamhub/contracts/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli } from '../testing/cli-process.ts';

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// The CLI as a child process against a real gateway on a real port (PGlite), webhook jobs in process.
describe('streamhub webhooks against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-webhooks-'));
  let backends: TestBackends;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let user: SignedInUser;
  let base: string;

  const run = (args: string[]) =>
    runCli(args, {
      cwd,
      env: { STREAMHUB_URL: base, XDG_CONFIG_HOME: join(cwd, 'config'), STREAMHUB_TOKEN: user.accessToken },
    });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    backends = await createTestBackends('pglite');
    const deps = backends.deps({ WEBHOOKS_ALLOW_PRIVATE: 'true' }, { remoteAddress: nodeRemoteAddress });
    await backends.jobs.start(
      createJobHandlers({ mailer: createLogMailer(deps.logger), webhooks: deps.services.webhooks }),
    );
    const { app } = createApp(deps);
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
    user = await registerAndLogin(app, backends);
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
    await receiver?.close();
  });

  it('creates, lists, tests, shows deliveries, redelivers and deletes an endpoint', async () => {
    const created = await run([
      'webhooks',
      'create',
      receiver.url,
      '--events',
      'video.ready,stream.started',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const endpoint = WebhookEndpointWithSecretSchema.parse(JSON.parse(created.stdout));
    expect(endpoint.events).toEqual(['video.ready', 'stream.started']);

    const human = await run(['webhooks', 'create', receiver.url, '--description', 'second']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/signing secret: whsec_[A-Za-z0-9_-]{43}\n/);

    const listed = await run(['webhooks', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const endpoints = z.array(WebhookEndpointSchema).parse(JSON.parse(listed.stdout));
    expect(endpoints).toHaveLength(2);
    expect(listed.stdout).not.toContain(endpoint.secret);

    const tested = await run(['webhooks', 'test', endpoint.id, '--json']);
    expect(tested.code, tested.stderr).toBe(0);
    const queued = WebhookDeliveryQueuedSchema.parse(JSON.parse(tested.stdout));
    await until(() => receiver.requests.length === 1, 'the test delivery');
    const verify = await loadDocumentedCheck();
    const [request] = receiver.requests;
    expect(
      request && verify(request.raw, request.headers['streamhub-signature'] as string, endpoint.secret),
    ).toBe(true);

    const log = async () => {
      const result = await run(['webhooks', 'deliveries', endpoint.id, '--limit', '5', '--json']);
      expect(result.code, result.stderr).toBe(0);
      return z.array(WebhookDeliverySchema).parse(JSON.parse(result.stdout));
    };
    await until(async () => (await log())[0]?.status === 'succeeded', 'the logged success');
    const table = await run(['webhooks', 'deliveries', endpoint.id]);
    expect(table.stdout).toMatch(/webhook\.test\s+succeeded\s+1\s+200/);

    const again = await run(['webhooks', 'redeliver', endpoint.id, queued.deliveryId]);
    expect(again.code, again.stderr).toBe(0);
    await until(() => receiver.requests.length === 2, 'the redelivery');
    expect(receiver.requests[1]?.headers['streamhub-delivery-attempt']).toBe('2');

    const deleted = await run(['webhooks', 'delete', endpoint.id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await run(['webhooks', 'test', endpoint.id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr.trim().split('\n')).toHaveLength(1);
    expect(gone.stderr).toMatch(/not found/i);
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    for (const args of [
      ['webhooks', 'test', 'not-an-id'],
      ['webhooks', 'deliveries', crypto.randomUUID(), '--limit', '0'],
      ['webhooks', 'create', 'ftp://example.com/hook'],
      ['webhooks', 'create', receiver.url, '--events', 'no.such_event'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(
        result.stderr
          .trim()
          .split('\n')
          .filter((line) => !line.startsWith('(run with')),
        args.join(' '),
      ).toHaveLength(1);
    }
  });
});
