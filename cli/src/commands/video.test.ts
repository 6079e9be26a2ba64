import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@streamhub/api/app';
import type { GatewayDeps } from '@streamhub/api/deps';
import { VideosRepository } from '@streamhub/api/domains/videos/videos.repository';
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin, type SignedInUser } from '@streamhub/api/testing/auth-helpers';
import { createTestBackends, type TestBackends } from '@streamhub/api/testing/test-deps';
import { VideoSchema } from '@streamhub/contracts/videos';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli, startCli, waitForExit } from '../testing/cli-process.ts';
import { resumeLine } from './video-upload-progress.ts';

const CHUNK = 16 * 1024;

// The CLI as a child process against a real gateway; the gateway stalls one PATCH so the first run can be killed.
describe('streamhub video against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-video-cli-'));
  const home = join(cwd, 'home');
  let backends: TestBackends;
  let deps: GatewayDeps;
  let server: RunningServer;
  let user: SignedInUser;
  let base: string;
  let clipPath: string;
  const enqueued: string[] = [];
  let patches = 0;
  let stallPatch = 0;
  let releaseStall = () => {};
  /** The PATCH (by number) before which a replica that then "crashes" takes the upload's writer lease. */
  let leasePatch = 0;
  const LEASE_MS = 2_500;

  const env = () => ({ STREAMHUB_URL: base, STREAMHUB_TOKEN: user.accessToken, HOME: home });

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({ STREAMHUB_DATA_DIR: join(cwd, 'data') }, { remoteAddress: nodeRemoteAddress });
    await backends.jobs.start({
      'email.send': async () => {},
      'webhook.deliver': async () => {},
      'notifications.deliver': async () => {},
      'video.process': async ({ videoId }) => {
        enqueued.push(videoId);
      },
    });
    const { app } = createApp(deps);
    const stalled = new Promise<void>((resolve) => {
      releaseStall = resolve;
    });
    server = await serveOnNode({
      fetch: async (request) => {
        if (request.method === 'PATCH' && ++patches === stallPatch) {
          // A connection that hangs: the client sees nothing until it gives up (here: is killed).
          await stalled;
          return new Response(null, { status: 503 });
        }
        if (request.method === 'PATCH' && patches === leasePatch) {
          const videoId = new URL(request.url).pathname.split('/').at(-1) ?? '';
          const repository = new VideosRepository(backends.database.db);
          expect(await repository.claimUploadWriter(videoId, randomUUID(), LEASE_MS)).toBeDefined();
        }
        return app.fetch(request);
      },
      host: '127.0.0.1',
      port: 0,
      gracePeriodMs: 500,
    });
    base = `http://127.0.0.1:${server.port}`;
    user = await registerAndLogin(app, backends);
    clipPath = await makeClip(join(cwd, 'clip.mp4'), { seconds: 3, size: '320x180', rate: 15 });
  });
  afterAll(async () => {
    releaseStall();
    await server?.close();
    await backends?.close();
  });

  it('resumes an interrupted upload on the next run, then lists, shows and deletes the video', async () => {
    const clip = readFileSync(clipPath);
    expect(clip.length).toBeGreaterThan(3 * CHUNK);
    patches = 0;
    stallPatch = 3;
    const args = [
      'video',
      'upload',
      clipPath,
      '--title',
      'From the CLI',
      '--tags',
      'Demo,cli',
      '--chunk-size',
      String(CHUNK),
    ];
    const first = startCli(args, { cwd, env: env() });
    const deadline = Date.now() + 30_000;
    while (patches < 3 && Date.now() < deadline && first.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    expect(patches, first.output().stderr).toBe(3);
    first.kill('SIGKILL');
    await waitForExit(first);
    expect(first.output().stderr).toMatch(/uploaded 0% /);
    const state = JSON.parse(
      readFileSync(join(home, '.local', 'state', 'streamhub', 'uploads.json'), 'utf8'),
    );
    expect(Object.values(state)).toHaveLength(1);

    // Continued by the other runtime: the state file and the protocol are the same.
    const second = await runCli(args, { cwd, env: env(), runtime: 'bun' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`${resumeLine(2 * CHUNK, clip.length)}\n`);
    expect(second.stderr).toMatch(
      /uploaded 100% \([\d.]+ KiB \/ [\d.]+ KiB {2}(--|[\d.]+ (B|KiB|MiB))\/s {2}0s left\)\n/,
    );
    const videoId = second.stdout.trim();
    expect(videoId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(mediaPaths(deps.config.dataDir).source(videoId)).equals(clip)).toBe(true);
    expect(enqueued).toContain(videoId);
    expect(
      JSON.parse(readFileSync(join(home, '.local', 'state', 'streamhub', 'uploads.json'), 'utf8')),
    ).toEqual({});

    const list = await runCli(['video', 'list', '--json'], { cwd, env: env(), runtime: 'bun' });
    expect(list.code, list.stderr).toBe(0);
    const items = z.array(VideoSchema).parse(JSON.parse(list.stdout));
    expect(items.find((v) => v.id === videoId)).toMatchObject({
      title: 'From the CLI',
      tags: ['demo', 'cli'],
      status: 'uploaded',
    });

    const status = await runCli(['video', 'status', videoId], { cwd, env: env(), runtime: 'bun' });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ID\s+TITLE\s+STATUS/);
    expect(status.stdout).toContain('uploaded');

    const deleted = await runCli(['video', 'delete', videoId], { cwd, env: env(), runtime: 'bun' });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted ${videoId}\n`);
    expect(existsSync(mediaPaths(deps.config.dataDir).video(videoId))).toBe(false);
    const gone = await runCli(['video', 'status', videoId], { cwd, env: env(), runtime: 'bun' });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(not_found)');
  });

  it('waits out an upload another replica holds (upload_busy) and finishes once its lease lapses', async () => {
    patches = 0;
    stallPatch = 0;
    leasePatch = 2;
    const started = Date.now();
    const result = await runCli(
      ['video', 'upload', clipPath, '--title', 'Busy', '--chunk-size', String(CHUNK)],
      { cwd, env: env() },
    );
    leasePatch = 0;
    expect(result.code, result.stderr).toBe(0);
    // Refused at least once while the lease ran, then accepted.
    expect(Date.now() - started).toBeGreaterThan(LEASE_MS);
    const videoId = result.stdout.trim();
    expect(readFileSync(mediaPaths(deps.config.dataDir).source(videoId)).equals(readFileSync(clipPath))).toBe(
      true,
    );
  });

  it('reports a file that is not a video, on Bun', async () => {
    stallPatch = 0;
    const fake = join(cwd, 'notes.mp4');
    writeFileSync(fake, 'just some text, not a video\n'.repeat(50));
    const result = await runCli(['video', 'upload', fake, '--title', 'Fake'], {
      cwd,
      env: env(),
      runtime: 'bun',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no video stream.*\(not_a_video\)/);
  });
});
