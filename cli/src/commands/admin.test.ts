import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { InstanceSettingsViewSchema } from '@streamhub/contracts/settings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

// The CLI as a child process against a real gateway on a real port (PGlite).
describe('streamhub admin settings against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-admin-'));
  let backends: TestBackends;
  let server: RunningServer;
  let admin: SignedInUser;
  let viewer: SignedInUser;
  let base: string;

  const run = (args: string[], as: SignedInUser = admin) =>
    runCli(args, {
      cwd,
      env: { STREAMHUB_URL: base, XDG_CONFIG_HOME: join(cwd, 'config'), STREAMHUB_TOKEN: as.accessToken },
    });

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    const deps = backends.deps({ CHANNEL_CREATION: 'streamers' }, { remoteAddress: nodeRemoteAddress });
    const { app } = createApp(deps);
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
    admin = await registerAndLogin(app, backends, { role: 'admin' });
    viewer = await registerAndLogin(app, backends);
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('reads, changes and restores settings; refuses bad values and non-admins', async () => {
    const got = await run(['admin', 'settings', 'get', '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(InstanceSettingsViewSchema.parse(JSON.parse(got.stdout)).effective.channelCreation).toBe(
      'streamers',
    );

    const set = await run([
      'admin',
      'settings',
      'set',
      'channelCreation=verified',
      'clipsPerUserPerHour=5',
      '--json',
    ]);
    expect(set.code, set.stderr).toBe(0);
    const changed = InstanceSettingsViewSchema.parse(JSON.parse(set.stdout));
    expect(changed.effective).toMatchObject({ channelCreation: 'verified', clipsPerUserPerHour: 5 });
    expect(Object.keys(changed.overridden).sort()).toEqual(['channelCreation', 'clipsPerUserPerHour']);

    const table = await run(['admin', 'settings', 'get']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^channelCreation\s+verified\s+streamers \(CHANNEL_CREATION\)\s+\d{4}-/m);

    // Out of bounds: the gateway's refusal names the setting; nothing changes.
    const bad = await run(['admin', 'settings', 'set', 'clipsPerUserPerHour=0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('clipsPerUserPerHour');
    // Not a setting, or not a number: refused before anything is sent.
    const unknown = await run(['admin', 'settings', 'set', 'rateLimitMax=5']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('expected <setting>=<value>');
    const notNumber = await run(['admin', 'settings', 'set', 'videoMaxBytes=lots']);
    expect(notNumber.code).not.toBe(0);
    expect(notNumber.stderr).toContain('videoMaxBytes must be a whole number');

    const restored = await run([
      'admin',
      'settings',
      'set',
      'channelCreation=default',
      'clipsPerUserPerHour=default',
      '--json',
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(InstanceSettingsViewSchema.parse(JSON.parse(restored.stdout)).overridden).toEqual({});

    const refused = await run(['admin', 'settings', 'get'], viewer);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('forbidden');
  });
});
