/** The watch pages and their assets over HTTP: status, types, CSP, caching, 404s and escaping. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateChannelRequestSchema } from '@streamhub/contracts/live';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { VideosRepository } from '../domains/videos/videos.repository.ts';
import { readyVideo, uploadedVideo } from '../domains/videos/videos-test-kit.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { LIVE_HOLD_BACK_SEGMENTS } from './player-settings.ts';

const PUBLIC_URL = 'https://tv.example';
const HOSTILE = `<script>alert("x")</script> & 'friends'`;

let backends: TestBackends;
let deps: GatewayDeps;
let app: GatewayApp;
let streamer: SignedInUser;

beforeAll(async () => {
  backends = await createTestBackends();
  deps = backends.deps({
    STREAMHUB_DATA_DIR: mkdtempSync(join(tmpdir(), 'streamhub-watch-')),
    PUBLIC_URL,
  });
  app = createApp(deps).app;
  streamer = await registerAndLogin(app, backends, { role: 'streamer' });
});
afterAll(() => backends.close());

/** A new streamer's channel (an account owns one). */
async function channel(title: string) {
  const owner = await registerAndLogin(app, backends, { role: 'streamer' });
  const slug = `watch-${crypto.randomUUID().slice(0, 8)}`;
  await deps.services.channels.create(owner.account.id, CreateChannelRequestSchema.parse({ slug, title }));
  return { slug, owner };
}

/** The asset URLs a page links to. */
function linkedAssets(page: string) {
  const find = (pattern: RegExp) => {
    const match = page.match(pattern)?.[1];
    if (!match) throw new Error(`no ${pattern} in the page`);
    return match;
  };
  return {
    script: find(/<script type="module" src="([^"]+)"/),
    stylesheet: find(/<link rel="stylesheet" href="([^"]+)"/),
    hlsModule: find(/data-hls-module="([^"]+)"/),
    hlsWorker: find(/data-hls-worker="([^"]+)"/),
  };
}

describe('GET /watch/:slug', () => {
  it('renders the channel with its title escaped, a strict CSP and no caching', async () => {
    const { slug, owner } = await channel(HOSTILE);
    const response = await app.request(`/watch/${slug}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain(`media-src 'self' ${PUBLIC_URL} blob:`);
    expect(csp).toContain(`connect-src 'self' ${PUBLIC_URL} wss://tv.example`);
    expect(csp).toContain('frame-ancestors *');
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBeNull();

    const page = await response.text();
    expect(page).not.toContain('<script>alert');
    expect(page).toContain(
      '<h1 id="channel-title">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;</h1>',
    );
    expect(page).toContain(`<title>&lt;script&gt;alert(&quot;x&quot;)`);
    expect(page).toContain(`data-channel="${slug}"`);
    expect(page).toContain('data-live="false">offline</span>');
    expect(page).toContain(`<span id="streamer">${owner.account.username}</span>`);
    // The only scripts are external modules: the CSP would block anything inline.
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  it('shows a live channel as live', async () => {
    const { slug, owner } = await channel('On air');
    const key = await deps.services.channels.createKey(owner.account.id, slug, 'OBS');
    expect((await deps.services.channels.authorizePublish(key.secret)).ok).toBe(true);
    const page = await (await app.request(`/watch/${slug}`)).text();
    expect(page).toContain('data-live="true">live</span>');
  });

  it('answers an unknown or impossible slug with a 404 page', async () => {
    for (const path of ['/watch/nobody-here', '/watch/NOT_A_SLUG', `/watch/${'x'.repeat(200)}`]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await response.text()).toContain('<h1>Not found</h1>');
    }
  });
});

describe('GET /watch/v/:id', () => {
  it('renders a ready public video with its player and escaped text', async () => {
    const id = await readyVideo(backends, deps, streamer, { title: HOSTILE, description: '<b>bold</b>' });
    const response = await app.request(`/watch/v/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await response.text();
    expect(page).toContain('data-page="video"');
    expect(page).toContain(`data-playback-url="${PUBLIC_URL}/vod/${id}/master.m3u8"`);
    expect(page).toContain(`poster="${PUBLIC_URL}/vod/${id}/poster.jpg"`);
    expect(page).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(page).not.toContain('<script>alert');
  });

  it('answers a video that is not ready (uploading, uploaded, processing, failed) with a 404 page', async () => {
    const repository = new VideosRepository(backends.database.db);
    const { video: uploading } = await repository.createUpload(
      {
        ownerId: streamer.account.id,
        channelId: null,
        title: 'Half sent',
        description: '',
        tags: [],
        category: 'other',
        visibility: 'public',
      },
      { length: 1000, filename: null, expiresAt: new Date(Date.now() + 3600_000) },
    );
    const uploaded = await uploadedVideo(backends, streamer);
    const processing = await uploadedVideo(backends, streamer);
    await deps.services.videos.begin(processing);
    const failed = await uploadedVideo(backends, streamer);
    await deps.services.videos.begin(failed);
    await deps.services.videos.failed(failed, 'ffmpeg exited with code 1');
    const states = { uploading: uploading.id, uploaded, processing, failed };
    for (const [status, id] of Object.entries(states)) {
      // The API still shows the video (to anyone, it is public): only the page waits for it to be ready.
      expect((await deps.services.videos.get(id, undefined)).status, status).toBe(status);
      const response = await app.request(`/watch/v/${id}`);
      expect(response.status, status).toBe(404);
      expect(response.headers.get('content-security-policy'), status).toContain("default-src 'none'");
      const page = await response.text();
      expect(page, status).toContain('<h1>Not found</h1>');
      expect(page, status).not.toContain('<video');
    }
  });

  it('answers private, unknown and malformed ids with a 404 page', async () => {
    const privateId = await readyVideo(backends, deps, streamer, { visibility: 'private' });
    for (const id of [privateId, crypto.randomUUID(), 'not-a-uuid']) {
      const response = await app.request(`/watch/v/${id}`);
      expect(response.status, id).toBe(404);
      expect(await response.text()).toContain('<h1>Not found</h1>');
    }
  });
});

describe('GET /assets/:name', () => {
  it('serves the linked scripts and stylesheet forever-cached, gzipped on request', async () => {
    const page = await (await app.request(`/watch/${(await channel('Assets')).slug}`)).text();
    const assets = linkedAssets(page);
    expect(assets.hlsModule).toMatch(/^\/assets\/hls-\d+\.\d+\.\d+\.min\.mjs$/);
    expect(assets.hlsWorker).toMatch(/^\/assets\/hls-\d+\.\d+\.\d+\.worker\.js$/);
    expect(assets.script).toMatch(/^\/assets\/app-[\w-]{12}\.js$/);
    expect(assets.stylesheet).toMatch(/^\/assets\/app-[\w-]{12}\.css$/);

    for (const [kind, url] of Object.entries(assets)) {
      const plain = await app.request(url);
      expect(plain.status, kind).toBe(200);
      expect(plain.headers.get('content-type')).toBe(
        kind === 'stylesheet' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      );
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-encoding')).toBeNull();
      const body = new Uint8Array(await plain.arrayBuffer());
      expect(body.length).toBeGreaterThan(100);

      const zipped = await app.request(url, { headers: { 'Accept-Encoding': 'gzip, br' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.headers.get('vary')).toBe('Accept-Encoding');
      expect(gunzipSync(new Uint8Array(await zipped.arrayBuffer()))).toEqual(Buffer.from(body));
    }
  });

  it('ships the page script as one plain ES module carrying the live hold-back', async () => {
    const page = await (await app.request(`/watch/${(await channel('Bundle')).slug}`)).text();
    const script = await (await app.request(linkedAssets(page).script)).text();
    expect(script).toContain(`liveSyncDurationCount:${LIVE_HOLD_BACK_SEGMENTS}`);
    // Bundled: no module specifiers left for the browser to resolve, and no TypeScript left in it.
    expect(script).not.toMatch(/from\s*["']/);
    expect(script).not.toMatch(/\bimport type\b|: HTMLVideoElement/);
  });

  it('answers an unknown asset with problem+json 404', async () => {
    const response = await app.request('/assets/hls-0.0.0.min.mjs');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(ProblemSchema.parse(await response.json()).code).toBe('not_found');
  });
});
