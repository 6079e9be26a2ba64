import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { ChannelSchema, CreatedStreamKeySchema, StreamKeySchema } from '@streamhub/contracts/live';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli } from '../testing/cli-process.ts';

// The CLI as a child process against a real gateway on a real port (in this process, on PGlite).
describe('streamhub channel / stream key against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-stream-'));
  let backends: TestBackends;
  let deps: GatewayDeps;
  let server: RunningServer;
  let streamer: SignedInUser;
  let viewer: SignedInUser;
  let base: string;

  const run = (args: string[], token?: string) =>
    runCli(args, {
      cwd,
      // A config directory of its own: no saved login of the developer's leaks in.
      env: {
        STREAMHUB_URL: base,
        XDG_CONFIG_HOME: join(cwd, 'config'),
        ...(token ? { STREAMHUB_TOKEN: token } : {}),
      },
    });

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({}, { remoteAddress: nodeRemoteAddress });
    const { app } = createApp(deps);
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
    streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    viewer = await registerAndLogin(app, backends);
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('creates a channel and manages its keys', async () => {
    const token = streamer.accessToken;
    const created = await run(
      [
        'channel',
        'create',
        '--slug',
        'cli-channel',
        '--title',
        'From the CLI',
        '--category',
        'software',
        '--record',
        '--json',
      ],
      token,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(ChannelSchema.parse(JSON.parse(created.stdout))).toMatchObject({
      slug: 'cli-channel',
      category: 'software',
      record: true,
    });

    const key = await run(['stream', 'key', 'create', '--name', 'OBS', '--json'], token);
    expect(key.code, key.stderr).toBe(0);
    const first = CreatedStreamKeySchema.parse(JSON.parse(key.stdout));
    expect(first.secret).toMatch(/^sk_live_/);

    // The human form prints the secret once, with a warning.
    const human = await run(
      ['stream', 'key', 'create', '--name', 'Backup', '--channel', 'cli-channel'],
      token,
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+KEY/);
    expect(human.stdout).toMatch(/stream key: sk_live_[A-Za-z0-9_-]{43}\n/);

    const listed = await run(['stream', 'key', 'list', '--json'], token);
    expect(listed.code, listed.stderr).toBe(0);
    const items = z.array(StreamKeySchema).parse(JSON.parse(listed.stdout));
    expect(items.map((item) => item.name)).toEqual(['OBS', 'Backup']);
    expect(listed.stdout).not.toContain(first.secret);

    const rotated = await run(['stream', 'key', 'rotate', first.id, '--json'], token);
    expect(rotated.code, rotated.stderr).toBe(0);
    const replacement = CreatedStreamKeySchema.parse(JSON.parse(rotated.stdout));
    expect(replacement.secret).not.toBe(first.secret);
    expect(await deps.services.channels.authorizePublish(first.secret)).toEqual({
      ok: false,
      reason: 'revoked_key',
    });

    const revoked = await run(['stream', 'key', 'revoke', replacement.id, '--json'], token);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(StreamKeySchema.parse(JSON.parse(revoked.stdout)).revokedAt).not.toBeNull();
    expect(await deps.services.channels.authorizePublish(replacement.secret)).toEqual({
      ok: false,
      reason: 'revoked_key',
    });
  });

  it('fails with one line and a non-zero exit', async () => {
    const noToken = await run(['stream', 'key', 'list']);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe(
      'streamhub: not logged in: run `streamhub login` (or pass --token / set STREAMHUB_TOKEN)\n',
    );

    const forbidden = await run(
      ['channel', 'create', '--slug', 'viewer-chan', '--title', 'x'],
      viewer.accessToken,
    );
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toBe('streamhub: This needs the role streamer or admin. (forbidden)\n');

    const invalid = await run([
      'channel',
      'create',
      '--slug',
      'Bad Slug',
      '--title',
      'x',
      '--token',
      streamer.accessToken,
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(
      /^streamhub: The request has invalid fields\.: body\.slug .* \(validation_failed\)\n$/,
    );

    const badToken = await run(['channel', 'show'], 'not-a-token');
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/\(invalid_token\)\n$/);

    const noChannel = await run(['stream', 'key', 'list'], viewer.accessToken);
    expect(noChannel.code).toBe(1);
    expect(noChannel.stderr).toBe('streamhub: Your channel was not found. (not_found)\n');
  });
});
