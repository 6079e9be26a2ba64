import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelRequestSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { createLogger } from '@streamhub/logger/logger';
import {
  type MediaPlaylistState,
  type PlaylistSegment,
  renderMediaPlaylist,
} from '@streamhub/media-node/live/llhls/media-playlist';
import {
  openPlaylistNotifier,
  type PlaylistNotifier,
} from '@streamhub/media-node/live/llhls/playlist-notifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { LivePlaylistWatch, watchKeyOf } from './live-playlist-watch.ts';
import { playbackModule } from './playback.module.ts';

const logger = createLogger({ name: 'll-hls-test', level: 'silent' });
const partUri = (msn: number, i: number) => `720p-${String(msn).padStart(6, '0')}.p${i}.m4s`;
const segment = (msn: number): PlaylistSegment => ({
  msn,
  uri: `720p-${String(msn).padStart(6, '0')}.m4s`,
  duration: 1,
  programDateTime: new Date(Date.UTC(2026, 11, 6, 10, 0, msn)),
  discontinuity: false,
  mapUri: '720p-init-000000.mp4',
  parts: [0, 1, 2].map((i) => ({ uri: partUri(msn, i), duration: 1 / 3, independent: i === 0 })),
});

/** The playlist of a rendition with `complete` segments and `openParts` parts of the next one. */
function playlist(complete: number, openParts: number): string {
  const state: MediaPlaylistState = {
    targetDuration: 1,
    partTarget: 0.334,
    segments: Array.from({ length: complete }, (_, i) => segment(i)),
    open:
      openParts > 0
        ? {
            msn: complete,
            programDateTime: new Date(),
            discontinuity: false,
            mapUri: '720p-init-000000.mp4',
            parts: Array.from({ length: openParts }, (_, i) => ({
              uri: partUri(complete, i),
              duration: 1 / 3,
              independent: i === 0,
            })),
          }
        : undefined,
    preloadHint: partUri(complete, openParts),
    discontinuitySequence: 0,
    event: false,
    renditionReports: [],
  };
  return renderMediaPlaylist(state);
}

/** Whether `promise` settles within `ms` (true) or is still pending then (false). */
async function settlesWithin(promise: Promise<unknown> | Response, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = Promise.resolve(promise).then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, pending]);
  clearTimeout(timer);
  return result;
}

describe('LL-HLS serving', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let stopSubscriptions: () => void;
  let mediaNodeBus: PlaylistNotifier;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-llhls-serve-'));
  const media = new FilesystemMediaStorage({ dataDir });

  beforeAll(async () => {
    backends = await createTestBackends();
    deps = backends.deps({ STREAMHUB_DATA_DIR: dataDir });
    app = createApp(deps).app;
    // The gateway's subscription, as the gateway runtime starts it, and the media node's side of the bus.
    const subscriptions = playbackModule.subscriptions;
    if (!subscriptions) throw new Error('the playback module subscribes to LL-HLS notices');
    stopSubscriptions = await subscriptions(deps.services, {
      config: deps.config,
      logger,
      media,
      events: backends.events,
    });
    mediaNodeBus = await openPlaylistNotifier({ redisUrl: undefined, prefix: deps.config.redisPrefix });
  });
  afterAll(async () => {
    stopSubscriptions();
    await mediaNodeBus.close();
    await backends.close();
  });

  async function liveSession() {
    const user = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `ll-${crypto.randomUUID().slice(0, 8)}`;
    await deps.services.channels.create(
      user.account.id,
      CreateChannelRequestSchema.parse({ slug, title: 'Live', record: false }),
    );
    const key = await deps.services.channels.createKey(user.account.id, slug, 'OBS');
    const decision = await deps.services.channels.authorizePublish(key.secret);
    if (!decision.ok) throw new Error(decision.reason);
    const { playbackId } = decision;
    await media.write(mediaKeys.liveFile(playbackId, '720p.m3u8'), Buffer.from(playlist(3, 1)));
    return playbackId;
  }

  /** What the media node does for a new part: the part, then the playlist naming it, then the notice. */
  async function publishPart(playbackId: string, complete: number, openParts: number) {
    await media.write(
      mediaKeys.liveFile(playbackId, partUri(complete, openParts - 1)),
      Buffer.from(`part ${complete}.${openParts - 1}`),
    );
    await media.write(
      mediaKeys.liveFile(playbackId, '720p.m3u8'),
      Buffer.from(playlist(complete, openParts)),
    );
    await mediaNodeBus.publish('live.playlist_updated', {
      playbackId,
      rendition: '720p',
      lastMsn: complete - 1,
      lastPart: { msn: complete, index: openParts - 1 },
    });
  }

  it('answers a blocking reload only once the playlist lists the asked part', async () => {
    const playbackId = await liveSession();
    // Already there: at once.
    const now = await app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=3&_HLS_part=0`);
    expect(now.status).toBe(200);
    expect(now.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');

    const held = app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=3&_HLS_part=1`);
    expect(await settlesWithin(held, 300)).toBe(false);
    await publishPart(playbackId, 3, 2);
    const answered = await held;
    expect(answered.status).toBe(200);
    const text = await answered.text();
    expect(text).toContain(`URI="${partUri(3, 1)}"`);
    expect(text).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partUri(3, 2)}"`);

    // A whole segment: held until it is complete, then answered.
    const segmentHeld = app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=3`);
    expect(await settlesWithin(segmentHeld, 200)).toBe(false);
    await publishPart(playbackId, 4, 1);
    expect((await segmentHeld).status).toBe(200);
  });

  it("answers the LL requests of a plain viewer on the lean path with the full path's headers, observed", async () => {
    const playbackId = await liveSession();
    const reload = `/hls/${playbackId}/720p.m3u8?_HLS_msn=3&_HLS_part=0&_HLS_skip=YES`;
    const part = `/hls/${playbackId}/${partUri(3, 0)}`;
    await media.write(mediaKeys.liveFile(playbackId, partUri(3, 0)), Buffer.from('part 3.0'));
    // A caller's request id sends a request down the full path (it is echoed there).
    const headersOf = (response: Response) => {
      const headers = Object.fromEntries(response.headers);
      delete headers['x-request-id'];
      delete headers['content-length'];
      return headers;
    };
    const served = async () => {
      const line = (await (await app.request('/metrics')).text())
        .split('\n')
        .find(
          (l) =>
            l.startsWith('streamhub_http_requests_total{') &&
            l.includes('route="/hls/:playbackId/:rest{.+}"') &&
            l.includes('status="200"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const full = [];
    for (const path of [reload, part]) {
      const response = await app.request(path, { headers: { 'X-Request-Id': 'full-path-1' } });
      expect(response.headers.get('x-request-id')).toBe('full-path-1');
      full.push({ headers: headersOf(response), body: await response.text() });
    }
    const before = await served();
    for (const [i, path] of [reload, part].entries()) {
      const lean = await app.request(path);
      expect(lean.status).toBe(200);
      expect(lean.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(headersOf(lean)).toEqual(full[i]?.headers);
      expect(await lean.text()).toBe(full[i]?.body);
    }
    // Counted under the same route as the full path's answers.
    expect(await served()).toBe(before + 2);
  });

  it('serves a preload-hinted part as soon as it exists', async () => {
    const playbackId = await liveSession();
    const hinted = app.request(`/hls/${playbackId}/${partUri(3, 1)}`);
    expect(await settlesWithin(hinted, 300)).toBe(false);
    await publishPart(playbackId, 3, 2);
    const part = await hinted;
    expect(part.status).toBe(200);
    expect(part.headers.get('content-type')).toBe('video/iso.segment');
    expect(await part.text()).toBe('part 3.1');
  });

  it('answers 200 viewers holding the same reload and the same hinted part with the same bytes', async () => {
    const playbackId = await liveSession();
    const reloads = Array.from({ length: 200 }, () =>
      app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=3&_HLS_part=1`),
    );
    const parts = Array.from({ length: 200 }, () => app.request(`/hls/${playbackId}/${partUri(3, 1)}`));
    expect(await settlesWithin(Promise.all([...reloads, ...parts]), 300)).toBe(false);
    await publishPart(playbackId, 3, 2);
    const playlists = await Promise.all(reloads.map(async (r) => [(await r).status, await (await r).text()]));
    expect(new Set(playlists.map(([status]) => status))).toEqual(new Set([200]));
    const texts = new Set(playlists.map(([, text]) => text));
    expect(texts.size).toBe(1);
    expect([...texts][0]).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partUri(3, 2)}"`);
    const answered = await Promise.all(parts);
    expect(new Set(answered.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(await Promise.all(answered.map((r) => r.text())))).toEqual(new Set(['part 3.1']));
    // From memory or not, a part carries the storage's validators: a revalidation is answered 304.
    const etag = answered[0]?.headers.get('etag');
    const stored = await media.stat(mediaKeys.liveFile(playbackId, partUri(3, 1)));
    expect(etag).toBe(stored?.etag);
    const again = await app.request(`/hls/${playbackId}/${partUri(3, 1)}`, {
      headers: { 'If-None-Match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    // A range of a listed part is still a range.
    const range = await app.request(`/hls/${playbackId}/${partUri(3, 1)}`, {
      headers: { Range: 'bytes=5-' },
    });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe('3.1');
  });

  it('refuses a preload-hinted part far beyond the live edge with 400 instead of holding it', async () => {
    const playbackId = await liveSession();
    const res = await app.request(`/hls/${playbackId}/${partUri(9, 0)}`);
    expect(res.status).toBe(400);
    expect(ProblemSchema.parse(await res.json()).code).toBe('bad_request');
  });

  it('times out a blocking request after three target durations with 503', async () => {
    const playbackId = await liveSession();
    const started = Date.now();
    const res = await app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=3&_HLS_part=2`);
    expect(res.status).toBe(503);
    expect(ProblemSchema.parse(await res.json()).code).toBe('service_unavailable');
    // TARGETDURATION is 1 s: held about 3 s, not answered early.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  }, 10_000);

  it('refuses directives too far ahead or malformed with 400', async () => {
    const playbackId = await liveSession();
    for (const query of [
      '_HLS_msn=6',
      '_HLS_msn=3&_HLS_part=12',
      '_HLS_part=1',
      '_HLS_msn=-1',
      '_HLS_msn=x',
      '_HLS_skip=NO',
    ]) {
      const res = await app.request(`/hls/${playbackId}/720p.m3u8?${query}`);
      expect(res.status, query).toBe(400);
      expect(ProblemSchema.parse(await res.json()).code).toBe('bad_request');
    }
  });

  it('answers _HLS_skip=YES with a delta update that skips the old segments', async () => {
    const playbackId = await liveSession();
    await media.write(mediaKeys.liveFile(playbackId, '720p.m3u8'), Buffer.from(playlist(12, 1)));
    const res = await app.request(`/hls/${playbackId}/720p.m3u8?_HLS_msn=12&_HLS_part=0&_HLS_skip=YES`);
    expect(res.status).toBe(200);
    const text = await res.text();
    // 12 complete 1 s segments, CAN-SKIP-UNTIL=6: the 6 oldest are skipped.
    expect(text).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n');
    expect(text).not.toContain('720p-000005.m4s');
    expect(text).toContain('720p-000006.m4s');
    const plain = await (await app.request(`/hls/${playbackId}/720p.m3u8`)).text();
    expect(plain).not.toContain('#EXT-X-SKIP');
    expect(plain).toContain('720p-000000.m4s');
  });

  it('does not hold requests for a stream that is not live', async () => {
    const res = await app.request('/hls/not-live-stream-1/720p.m3u8?_HLS_msn=3&_HLS_part=1');
    expect(res.status).toBe(404);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('LL-HLS notices over Redis', () => {
  it('wakes a gateway that holds a request when another process announces the part', async () => {
    const redisUrl = process.env.TEST_REDIS_URL as string;
    const prefix = `llhls-test-${crypto.randomUUID()}:`;
    const media = new FilesystemMediaStorage({
      dataDir: mkdtempSync(join(tmpdir(), 'streamhub-llhls-redis-')),
    });
    const gatewayBus = await openPlaylistNotifier({ redisUrl, prefix });
    const mediaNodeBus = await openPlaylistNotifier({ redisUrl, prefix });
    // No polling to speak of: only the notice can answer the request before it times out.
    const watch = new LivePlaylistWatch(media, { pollMs: 60_000 });
    gatewayBus.subscribe('live.playlist_updated', (u) => watch.notify(u));
    await gatewayBus.ready();
    try {
      const key = mediaKeys.liveFile('redis-ll-stream', '720p.m3u8');
      await media.write(key, Buffer.from(playlist(3, 1)));
      const held = watch.until(watchKeyOf('redis-ll-stream', '720p'), key, 3, 1, 20_000);
      expect(await settlesWithin(held, 300)).toBe(false);
      await media.write(key, Buffer.from(playlist(3, 2)));
      await mediaNodeBus.publish('live.playlist_updated', {
        playbackId: 'redis-ll-stream',
        rendition: '720p',
        lastMsn: 2,
        lastPart: { msn: 3, index: 1 },
      });
      expect(await settlesWithin(held, 5000)).toBe(true);
      expect((await held)?.edge.lastPart).toEqual({ msn: 3, index: 1 });
    } finally {
      watch.close();
      await gatewayBus.close();
      await mediaNodeBus.close();
    }
  });
});
