import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { NotificationPageSchema } from '@streamhub/contracts/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

// The CLI as a child process against a real gateway on a real port (PGlite); the notifications are
// stored by the notifications service from a durable event, as its consumer does.
describe('streamhub notifications against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-notifications-'));
  let backends: TestBackends;
  let deps: GatewayDeps;
  let server: RunningServer;
  let user: SignedInUser;
  let base: string;

  const run = (args: string[], token = user.accessToken) =>
    runCli(args, {
      cwd,
      env: { STREAMHUB_URL: base, XDG_CONFIG_HOME: join(cwd, 'config'), STREAMHUB_TOKEN: token },
    });
  /** One `webhook.endpoint_disabled` notification for `user`, from its event. */
  const disabledEndpoint = (url: string) =>
    deps.services.notifications.notify({
      id: randomUUID(),
      name: 'webhook.endpoint_disabled',
      payload: {
        endpointId: randomUUID(),
        ownerId: user.account.id,
        url,
        reason: 'HTTP 500',
        failingSince: new Date().toISOString(),
        disabledAt: new Date().toISOString(),
      },
    });

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({}, { remoteAddress: nodeRemoteAddress });
    const { app } = createApp(deps);
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
    user = await registerAndLogin(app, backends);
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('lists notifications newest first, pages them, and marks them all read', async () => {
    expect(await disabledEndpoint('https://one.example/hook')).toBe(1);
    expect(await disabledEndpoint('https://two.example/hook')).toBe(1);

    const all = await run(['notifications', 'list', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const page = NotificationPageSchema.parse(JSON.parse(all.stdout));
    expect(page.items.map((item) => [item.type, item.data.url, item.readAt])).toEqual([
      ['webhook.endpoint_disabled', 'https://two.example/hook', null],
      ['webhook.endpoint_disabled', 'https://one.example/hook', null],
    ]);

    const first = await run(['notifications', 'list', '--limit', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(page.items[0]?.id);
    expect(first.stdout).not.toContain(page.items[1]?.id);
    const cursor = /more: --cursor (\S+)/.exec(first.stdout)?.[1];
    if (!cursor) throw new Error(`no next cursor in: ${first.stdout}`);
    const second = await run(['notifications', 'list', '--limit', '1', '--cursor', cursor, '--json']);
    expect(NotificationPageSchema.parse(JSON.parse(second.stdout)).items.map((item) => item.id)).toEqual([
      page.items[1]?.id,
    ]);

    const readAll = await run(['notifications', 'read-all']);
    expect(readAll.code, readAll.stderr).toBe(0);
    expect(readAll.stdout).toBe('all notifications marked read\n');
    const unread = await run(['notifications', 'list', '--unread', '--json']);
    expect(NotificationPageSchema.parse(JSON.parse(unread.stdout)).items).toEqual([]);
  });

  it('refuses a bad --limit, a bad cursor and a missing sign-in with one line and a non-zero exit', async () => {
    const limit = await run(['notifications', 'list', '--limit', '0']);
    expect(limit.code).not.toBe(0);
    expect(limit.stderr).toMatch(/must be a whole number from 1 to 100/);

    const cursor = await run(['notifications', 'list', '--cursor', 'not-a-cursor']);
    expect(cursor.code).not.toBe(0);
    expect(cursor.stderr.trim().split('\n')).toHaveLength(1);

    const anonymous = await run(['notifications', 'read-all'], 'not-a-token');
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
  });
});
