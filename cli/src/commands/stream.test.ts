import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { ChannelSchema, CreatedStreamKeySchema, StreamKeySchema } from '@streamhub/contracts/channels';
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
  let app: ReturnType<typeof createApp>['app'];

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
    deps = backends.deps(
      { PUBLIC_URL: 'https://live.example', RTMP_PORT: '1936' },
      { remoteAddress: nodeRemoteAddress },
    );
    ({ app } = createApp(deps));
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
        '--low-latency',
        'on',
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
      lowLatency: true,
      lowLatencyEffective: true,
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

  it('channel show gives the OBS server URL, the live state, the watch URL and, while live, the playback URL', async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const token = owner.accessToken;
    const created = await run(['channel', 'create', '--slug', 'show-me', '--title', 'Show me'], token);
    expect(created.code, created.stderr).toBe(0);
    const offline = await run(['channel', 'show', '--json'], token);
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({
      slug: 'show-me',
      title: 'Show me',
      live: false,
      liveSince: null,
      rtmpUrl: 'rtmp://live.example:1936/live',
      watchUrl: 'https://live.example/watch/show-me',
      playbackUrl: null,
    });

    // Live as the media node makes it: the publish of a valid key opens the session.
    const key = await deps.services.channels.createKey(owner.account.id, 'show-me', 'OBS');
    const decision = await deps.services.channels.authorizePublish(key.secret);
    if (!decision.ok) throw new Error(`publish refused: ${decision.reason}`);
    const live = await run(['channel', 'show', '--json'], token);
    expect(live.code, live.stderr).toBe(0);
    const shown = JSON.parse(live.stdout);
    expect(shown).toMatchObject({
      live: true,
      playbackUrl: `https://live.example/hls/${decision.playbackId}/master.m3u8`,
    });
    expect(Date.parse(shown.liveSince)).not.toBeNaN();
    expect(live.stdout).not.toContain(key.secret);

    const human = await run(['channel', 'show'], token);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^slug +show-me\n/);
    expect(human.stdout).toMatch(/^live +yes, since \S+$/m);
    expect(human.stdout).toMatch(/^OBS server +rtmp:\/\/live\.example:1936\/live$/m);
    expect(human.stdout).toContain(
      `\nplayback        https://live.example/hls/${decision.playbackId}/master.m3u8\n`,
    );
    await deps.services.channels.endSession(decision.sessionId, { recorded: false });
  });

  it('channel update sets the LL-HLS choice and clears it back to the instance default', async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const token = owner.accessToken;
    const created = await app.request('/api/v1/channels', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: owner.authorization },
      body: JSON.stringify({ slug: 'll-choice', title: 'LL choice', lowLatency: true }),
    });
    expect(created.status, await created.clone().text()).toBe(201);

    // Off, on the caller's own channel (no slug), in the human form.
    const off = await run(['channel', 'update', '--low-latency', 'off'], token);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/ll-choice .*off \(HLS\)/);
    // Back to the instance's default (LIVE_LL_HLS=optional here: no LL), by slug, with a new title.
    const back = await run(
      ['channel', 'update', 'll-choice', '--low-latency', 'default', '--title', 'Renamed', '--json'],
      token,
    );
    expect(back.code, back.stderr).toBe(0);
    expect(ChannelSchema.parse(JSON.parse(back.stdout))).toMatchObject({
      title: 'Renamed',
      lowLatency: null,
      lowLatencyEffective: false,
    });
    const nothing = await run(['channel', 'update'], token);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to change');
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
    expect(forbidden.stderr).toMatch(/^streamhub: .* needs the streamer role.*\(forbidden\)\n$/);

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
