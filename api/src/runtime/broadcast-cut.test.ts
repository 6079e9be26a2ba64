/**
 * An admin cuts a live broadcast (`POST /api/v1/channels/{slug}/cut`): a real ffmpeg publisher pushes RTMP
 * to the media node wired as the runtimes wire it; the cut travels as `stream.cut` on the event bus, the
 * node disconnects the publisher and the session ends at once (not after the reconnect grace window).
 * Anyone but an admin is refused; a channel that is not live is `409 conflict`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createLogger } from '@streamhub/logger/logger';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import { killPublishers, startPublisher, waitFor } from '@streamhub/media-node/testing/process-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { channelsPublishGate, recordIngestDetails } from './media-gate.ts';

const logger = createLogger({ level: 'silent', name: 'broadcast-cut-test' });
// Far longer than the test: an ending this quick is the cut, not the publisher leaving.
const GRACE_SECONDS = 60;

let backends: TestBackends;
let dataDir: string;
let app: GatewayApp;
let node: MediaNode;

beforeAll(async () => {
  backends = await createTestBackends('pglite');
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-broadcast-cut-'));
  const deps = backends.deps({
    STREAMHUB_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LIVE_LADDER: '360',
    LIVE_SEGMENT_SECONDS: '1',
    LIVE_X264_PRESET: 'ultrafast',
  });
  app = createApp(deps).app;
  node = await startMediaNode({
    config: {
      ...deps.config,
      media: { ...deps.config.media, rtmpPort: 0, reconnectGraceSeconds: GRACE_SECONDS },
    },
    logger,
    gate: channelsPublishGate(deps.services.channels),
    media: createMediaStorage({ dataDir }),
    nodeId: `broadcast-cut-${crypto.randomUUID()}`,
  });
  recordIngestDetails(node, deps.services.channels, logger);
});
afterAll(async () => {
  killPublishers();
  await node?.close();
  await backends.close();
  await rm(dataDir, { recursive: true, force: true });
});

const cut = (slug: string, user?: SignedInUser) =>
  app.request(`/api/v1/channels/${slug}/cut`, {
    method: 'POST',
    headers: user ? { Authorization: user.authorization } : {},
  });

const isLive = async (slug: string) =>
  PublicChannelSchema.parse(await (await app.request(`/api/v1/channels/${slug}`)).json()).live;

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
}

describe('an admin cuts a broadcast (real RTMP + ffmpeg)', { timeout: 90_000 }, () => {
  it('disconnects the publisher and ends the session at once; only admins may, only while live', async () => {
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `cut-${Math.random().toString(36).slice(2, 10)}`;
    const json = { Authorization: owner.authorization, 'Content-Type': 'application/json' };
    await app.request('/api/v1/channels', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ slug, title: 'Cut' }),
    });
    const key = CreatedStreamKeySchema.parse(
      await (
        await app.request(`/api/v1/channels/${slug}/keys`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: 'OBS' }),
        })
      ).json(),
    );

    await expectProblem(await cut(slug, admin), 409, 'conflict');
    await expectProblem(await cut('no-such-channel', admin), 404, 'not_found');

    const publisher = startPublisher(`rtmp://127.0.0.1:${node.rtmpPort}/live/${key.secret}`, 60, '640x360');
    await waitFor('the channel going live', () => isLive(slug), 20_000, 200);

    await expectProblem(await cut(slug, owner), 403, 'forbidden');
    await expectProblem(await cut(slug), 401, 'invalid_token');
    expect(await isLive(slug)).toBe(true);

    const ended = new Promise<string | undefined>((resolve) =>
      node.events.once('sessionEnded', (session) => resolve(session.terminationReason)),
    );
    const cutAt = Date.now();
    expect((await cut(slug, admin)).status).toBe(202);
    expect(await publisher.exited).not.toBe(0);
    expect(await ended).toBe('cut_by_admin');
    await waitFor('the channel offline', async () => !(await isLive(slug)), 10_000, 100);
    // Inside the 60 s grace window: the cut ended it, not the publisher leaving.
    expect(Date.now() - cutAt).toBeLessThan(15_000);
  });
});
