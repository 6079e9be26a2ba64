import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import { sendBeacon, startView } from '@streamhub/api/domains/analytics/analytics-test-kit';
import {
  MANY_LOGINS_POLICY,
  streamerWithChannel,
} from '@streamhub/api/domains/engagement/engagement-test-kit';
import { readyVideo } from '@streamhub/api/domains/videos/videos-test-kit';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { ReportSchema } from '@streamhub/contracts/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

// The CLI as a child process against a real gateway on a real port (in this process, on PGlite).
describe('streamhub analytics against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-analytics-'));
  let backends: TestBackends;
  let deps: GatewayDeps;
  let server: RunningServer;
  let base: string;
  let app: ReturnType<typeof createApp>['app'];

  const run = (args: string[], token: string) =>
    runCli(args, {
      cwd,
      env: { STREAMHUB_URL: base, XDG_CONFIG_HOME: join(cwd, 'config'), STREAMHUB_TOKEN: token },
    });

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({}, { remoteAddress: nodeRemoteAddress }, { abusePolicy: MANY_LOGINS_POLICY });
    ({ app } = createApp(deps));
    server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('prints the reports of a video and a channel, as JSON and as tables, and refuses what it must', async () => {
    const streamer = await streamerWithChannel(app, backends, deps);
    const videoId = await readyVideo(backends, deps, streamer.owner, { channelId: streamer.channelId });
    const view = await startView(app, { target: { type: 'video', videoId } });
    await sendBeacon(app, view, { seq: 1, event: 'heartbeat', watchedMs: 8000, startupMs: 350 });
    await deps.services.analytics.process();
    const token = streamer.owner.accessToken;

    const json = await run(
      [
        'analytics',
        'video',
        videoId,
        '--json',
        '--bucket',
        'hour',
        '--from',
        new Date(Date.now() - 86_400_000).toISOString(),
      ],
      token,
    );
    expect(json.code, json.stderr).toBe(0);
    expect(ReportSchema.parse(JSON.parse(json.stdout)).totals).toMatchObject({
      views: 1,
      countedViews: 1,
      watchTimeMs: 8000,
      startupP50Ms: 350,
    });

    const table = await run(['analytics', 'channel'], token);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^VIEWS\s+COUNTED\s+VIEWERS\s+WATCH TIME/);
    expect(table.stdout).toContain('8.0 s');
    expect(table.stdout).toContain('350 ms');

    const notAdmin = await run(['analytics', 'instance'], token);
    expect(notAdmin.code).not.toBe(0);
    expect(notAdmin.stderr.trim().split('\n')).toHaveLength(1);
    expect(notAdmin.stderr).toContain('admin');

    const badDate = await run(['analytics', 'video', videoId, '--from', 'someday'], token);
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr.trim()).toBe(
      'streamhub: --from must be a date or time like 2026-11-01 (got "someday")',
    );

    const stranger = await registerAndLogin(app, backends);
    const forbidden = await run(['analytics', 'video', videoId], stranger.accessToken);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr.trim().split('\n')).toHaveLength(1);
  });
});
