/**
 * One attempt against real receivers on 127.0.0.1: refused targets get no connection, the connection
 * goes to the address that was checked (DNS rebinding), redirects are not followed, slow receivers time
 * out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolveHost } from './target-guard.ts';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver.ts';
import { sendWebhook, WebhookConnections } from './webhook-sender.ts';

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
  const started = await startWebhookReceiver(...args);
  receivers.push(started);
  return started;
};

const noDns: ResolveHost = async (hostname) => {
  throw new Error(`no DNS in this test (${hostname})`);
};
const options = (overrides: Partial<Parameters<typeof sendWebhook>[3]> = {}) => ({
  allowPrivateTargets: false,
  resolve: noDns,
  timeoutMs: 2_000,
  ...overrides,
});

describe('sendWebhook', () => {
  it('refuses a loopback target without connecting when private targets are not allowed', async () => {
    const target = await receiver();
    const outcome = await sendWebhook(new URL(target.url), '{}', {}, options());
    expect(outcome).toMatchObject({ succeeded: false, responseStatus: null });
    expect(outcome.error).toMatch(/127\.0\.0\.1.*private, loopback or link-local/);
    expect(target.requests).toHaveLength(0);
  });

  it('refuses the cloud metadata address', async () => {
    const outcome = await sendWebhook(
      new URL('http://169.254.169.254/latest/meta-data/'),
      '{}',
      {},
      options(),
    );
    expect(outcome.succeeded).toBe(false);
    expect(outcome.error).toMatch(/169\.254\.169\.254/);
  });

  it('refuses a name that now resolves to loopback (DNS rebinding), and connects to the checked address only', async () => {
    const target = await receiver();
    let answers = 0;
    // The first answer (at the endpoint's creation, say) was public; at delivery time it is loopback.
    const rebinding: ResolveHost = async () => {
      answers += 1;
      return [{ address: answers === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
    };
    const url = new URL(`http://rebind.example.test:${target.port}/hook`);
    await expect(rebinding('rebind.example.test')).resolves.toEqual([
      { address: '93.184.215.14', family: 4 },
    ]);
    const refused = await sendWebhook(url, '{}', {}, options({ resolve: rebinding }));
    expect(refused.error).toMatch(/resolves to 127\.0\.0\.1/);
    expect(target.requests).toHaveLength(0);

    // Allowed, the request reaches the address the resolver gave: the name never went to real DNS.
    const allowed = await sendWebhook(
      url,
      '{"a":1}',
      { 'x-test': 'yes' },
      options({ allowPrivateTargets: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] }),
    );
    expect(allowed).toMatchObject({ succeeded: true, responseStatus: 200, error: null });
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.headers.host).toBe(`rebind.example.test:${target.port}`);
    expect(target.requests[0]?.headers['x-test']).toBe('yes');
    expect(target.requests[0]?.raw).toBe('{"a":1}');
  });

  it('does not follow a redirect, even to an allowed target', async () => {
    const inner = await receiver();
    const outer = await receiver(() => ({ status: 302, location: inner.url }));
    const outcome = await sendWebhook(new URL(outer.url), '{}', {}, options({ allowPrivateTargets: true }));
    expect(outcome).toMatchObject({ succeeded: false, responseStatus: 302 });
    expect(outcome.error).toMatch(/Redirects are not followed/);
    expect(outer.requests).toHaveLength(1);
    expect(inner.requests).toHaveLength(0);
  });

  it('records an error status and a timeout as failures', async () => {
    const failing = await receiver(() => ({ status: 503 }));
    const failed = await sendWebhook(new URL(failing.url), '{}', {}, options({ allowPrivateTargets: true }));
    expect(failed).toMatchObject({ succeeded: false, responseStatus: 503, error: 'HTTP 503' });

    const slow = await receiver(() => ({ status: 200, delayMs: 1_000 }));
    const timedOut = await sendWebhook(
      new URL(slow.url),
      '{}',
      {},
      options({ allowPrivateTargets: true, timeoutMs: 100 }),
    );
    expect(timedOut).toMatchObject({
      succeeded: false,
      responseStatus: null,
      error: 'No answer within 100 ms',
    });
  });

  it('keeps a connection per endpoint and checked address, and never reuses one for another address', async () => {
    const target = await receiver();
    const connections = new WebhookConnections();
    try {
      const url = new URL(`http://hooks.example.test:${target.port}/hook`);
      const to = (address: string) =>
        options({
          allowPrivateTargets: true,
          resolve: async () => [{ address, family: 4 }],
          connections,
        });
      for (let i = 0; i < 3; i += 1) {
        expect((await sendWebhook(url, `{"n":${i}}`, {}, to('127.0.0.1'))).succeeded).toBe(true);
      }
      // Three attempts, one connection: kept alive between them.
      expect(new Set(target.requests.map((r) => r.remotePort)).size).toBe(1);

      // The same name now resolves to another (allowed) address: a connection of its own, to it.
      const other = await receiver(undefined, { host: '127.0.0.2', port: target.port });
      expect((await sendWebhook(url, '{}', {}, to('127.0.0.2'))).succeeded).toBe(true);
      expect(other.requests).toHaveLength(1);
      expect(target.requests).toHaveLength(3);
    } finally {
      connections.close();
    }
  });
});
