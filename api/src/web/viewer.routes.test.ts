/** The viewer's pages and their assets over HTTP: status, types, CSP, caching, 404s, redirects and escaping. */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateChannelRequestSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { videos } from '@streamhub/db/schema/videos';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { ClipsRepository } from '../domains/clips/clips.repository.ts';
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
    hlsModule: find(/data-hls-module="([^"]+)"/),
    hlsWorker: find(/data-hls-worker="([^"]+)"/),
  };
}

describe('GET /c/:slug', () => {
  it('renders the channel with its title escaped, a strict CSP and no caching', async () => {
    const { slug, owner } = await channel(HOSTILE);
    const response = await app.request(`/c/${slug}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    // The one inline style the policy allows is the page's own stylesheet, by its hash.
    expect(csp).toMatch(/style-src 'self' 'sha256-[\w+/]+={0,2}';/);
    expect(csp).toContain(`media-src 'self' ${PUBLIC_URL} blob:`);
    expect(csp).toContain(`connect-src 'self' ${PUBLIC_URL} wss://tv.example`);
    expect(csp).toContain('frame-ancestors *');
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBeNull();

    const page = await response.text();
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(([, css]) => css ?? '');
    expect(styles).toHaveLength(1);
    expect(styles[0]).toContain('.site-header');
    const styleHash = createHash('sha256')
      .update(styles[0] ?? '')
      .digest('base64');
    expect(csp).toContain(`style-src 'self' 'sha256-${styleHash}';`);
    expect(page).not.toMatch(/<link rel="stylesheet"/);
    expect(page).not.toContain('<script>alert');
    expect(page).toContain(
      '<h1 id="channel-title">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;</h1>',
    );
    expect(page).toContain(`<title>&lt;script&gt;alert(&quot;x&quot;)`);
    expect(page).toContain(`data-channel="${slug}"`);
    expect(page).toContain('data-live="false">Offline</span>');
    expect(page).toContain(`<span id="streamer">${owner.account.username}</span>`);
    // The only scripts are external modules: the CSP would block anything inline.
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  it('shows a live channel as live', async () => {
    const { slug, owner } = await channel('On air');
    const key = await deps.services.channels.createKey(owner.account.id, slug, 'OBS');
    expect((await deps.services.channels.authorizePublish(key.secret)).ok).toBe(true);
    const page = await (await app.request(`/c/${slug}`)).text();
    expect(page).toContain('data-live="true">Live</span>');
  });

  it('answers an unknown or impossible slug with a 404 page', async () => {
    for (const path of ['/c/nobody-here', '/c/NOT_A_SLUG', `/c/${'x'.repeat(200)}`]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await response.text()).toContain('<h1>Not found</h1>');
    }
  });
});

describe('GET /v/:id', () => {
  it('renders a ready public video with its player and escaped text', async () => {
    const id = await readyVideo(backends, deps, streamer, { title: HOSTILE, description: '<b>bold</b>' });
    const response = await app.request(`/v/${id}`);
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
      const response = await app.request(`/v/${id}`);
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
      const response = await app.request(`/v/${id}`);
      expect(response.status, id).toBe(404);
      expect(await response.text()).toContain('<h1>Not found</h1>');
    }
  });
});

describe('GET /assets/:name', () => {
  it('serves the linked scripts forever-cached, gzipped on request', async () => {
    const page = await (await app.request(`/c/${(await channel('Assets')).slug}`)).text();
    const assets = linkedAssets(page);
    expect(assets.hlsModule).toMatch(/^\/assets\/hls-\d+\.\d+\.\d+\.light\.min\.mjs$/);
    expect(assets.hlsWorker).toMatch(/^\/assets\/hls-\d+\.\d+\.\d+\.worker\.js$/);
    expect(assets.script).toMatch(/^\/assets\/app-[\w-]{12}\.js$/);

    for (const [kind, url] of Object.entries(assets)) {
      const plain = await app.request(url);
      expect(plain.status, kind).toBe(200);
      expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
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
    const page = await (await app.request(`/c/${(await channel('Bundle')).slug}`)).text();
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

/** A live channel: its owner's key passed the publish check, as when OBS connects. */
async function liveChannel(title: string, category: 'music' | 'gaming' = 'music') {
  const created = await channel(title);
  await deps.services.channels.update(created.owner.account.id, created.slug, { category });
  const key = await deps.services.channels.createKey(created.owner.account.id, created.slug, 'OBS');
  expect((await deps.services.channels.authorizePublish(key.secret)).ok).toBe(true);
  return created;
}

/** The app's pages: a strict CSP that allows no framing and only same-site forms (the search box). */
function expectAppPage(response: Response) {
  expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
  expect(response.headers.get('cache-control')).toBe('no-cache');
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
}

/** The shell every page shares: skip link, header landmarks, the search box, main and one script. */
function expectShell(page: string) {
  expect(page.startsWith('<!doctype html><html lang="en">')).toBe(true);
  expect(page).toContain('<a class="skip-link" href="#main">Skip to content</a>');
  expect(page).toContain('<nav class="site-nav" aria-label="Main">');
  expect(page).toMatch(/<search class="site-search"><form action="\/search" method="get">/);
  expect(page).toContain('<main id="main" tabindex="-1">');
  expect(page).toContain('href="/sign-in"');
  expect(page.match(/<script/g)).toHaveLength(1);
}

describe('GET /', () => {
  it('lists the live channels and the new videos, escaped', async () => {
    const { slug } = await liveChannel(`Live ${HOSTILE}`);
    const videoId = await readyVideo(backends, deps, streamer, { title: `Video ${HOSTILE}` });
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expectAppPage(response);
    const page = await response.text();
    expectShell(page);
    expect(page).toContain('<title>Home · StreamHub</title>');
    expect(page).toContain(`href="/c/${slug}"`);
    expect(page).toContain(`href="/v/${videoId}"`);
    expect(page).toContain('Live &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('Video &lt;script&gt;');
    expect(page).not.toContain('<script>alert');
    // The followed channels are the island's to fill in: the server does not know the reader.
    expect(page).toContain('id="following-live-section"');
  });

  it('is sent gzipped to a browser that takes it', async () => {
    const plain = await app.request('/');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    const zipped = await app.request('/', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expectAppPage(zipped);
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('Accept-Encoding');
    const page = gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString('utf8');
    expectShell(page);
    expect(page).toContain('<style>');
  });

  it("shows a live channel's thumbnail only once the stream has one", async () => {
    const { slug } = await liveChannel('Just live');
    const thumbnail = `src="${PUBLIC_URL}/api/v1/channels/${slug}/thumbnail.jpg"`;
    // Its first seconds: no thumbnail written yet, so no image that would answer 404.
    const before = await (await app.request('/')).text();
    expect(before).toContain(`href="/c/${slug}"`);
    expect(before).not.toContain(thumbnail);

    const session = (await deps.services.channels.publicChannel(slug)).session;
    if (!session) throw new Error('the channel is not live');
    await new FilesystemMediaStorage({ dataDir: deps.config.dataDir }).write(
      mediaKeys.liveThumbnail(session.playbackId),
      new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    );
    expect(await (await app.request('/')).text()).toContain(thumbnail);
  });
});

describe('GET /directory', () => {
  it('lists every category and, under one, its live channels and videos', async () => {
    const music = await liveChannel('Directory music', 'music');
    const gaming = await liveChannel('Directory gaming', 'gaming');
    const all = await (await app.request('/directory')).text();
    expect(all).toContain('<a href="/directory/irl">IRL</a>');
    expect(all).toContain('<a href="/directory" aria-current="page">All</a>');
    expect(all).toContain(`href="/c/${music.slug}"`);
    expect(all).toContain(`href="/c/${gaming.slug}"`);

    const response = await app.request('/directory/music');
    expect(response.status).toBe(200);
    expectAppPage(response);
    const page = await response.text();
    expectShell(page);
    expect(page).toContain('<h1>Music</h1>');
    expect(page).toContain('<a href="/directory/music" aria-current="page">Music</a>');
    expect(page).toContain(`href="/c/${music.slug}"`);
    expect(page).not.toContain(`href="/c/${gaming.slug}"`);
    expect(page).toContain('Videos in Music');
  });

  it('answers an unknown category with a 404 page', async () => {
    for (const path of ['/directory/cooking', '/directory/%3Cb%3E']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expectAppPage(response);
      expect(await response.text()).toContain('No category has this address.');
    }
  });
});

describe('GET /search', () => {
  it('finds channels and videos by a word of their title, and echoes the query escaped', async () => {
    const word = `zebra${crypto.randomUUID().slice(0, 6)}`;
    const { slug } = await channel(`The ${word} hour`);
    const videoId = await readyVideo(backends, deps, streamer, { title: `All about ${word}` });
    const response = await app.request(`/search?q=${word}`);
    expect(response.status).toBe(200);
    expectAppPage(response);
    const page = await response.text();
    expectShell(page);
    expect(page).toContain(`value="${word}"`);
    expect(page).toContain(`href="/c/${slug}"`);
    expect(page).toContain(`href="/v/${videoId}"`);

    const nowhere = `<b>"nowhere-${word}"</b>`;
    const hostile = await (await app.request(`/search?q=${encodeURIComponent(nowhere)}`)).text();
    expect(hostile).not.toContain('<b>');
    expect(hostile).toContain(`Results for “&lt;b&gt;&quot;nowhere-${word}&quot;&lt;/b&gt;”`);
    expect(hostile).toContain('No channel matches.');
  });

  it('asks for words without a query, and finds nothing (not a 4xx) for one the API would refuse', async () => {
    expect(await (await app.request('/search')).text()).toContain('Type a word from a channel or a video');
    for (const q of ['x'.repeat(300), '   ']) {
      const response = await app.request(`/search?q=${encodeURIComponent(q)}`);
      expect(response.status).toBe(200);
    }
  });
});

describe('the first addresses', () => {
  it('redirect for good to the channel and video pages', async () => {
    const channelRedirect = await app.request('/watch/some-channel');
    expect(channelRedirect.status).toBe(301);
    expect(channelRedirect.headers.get('location')).toBe('/c/some-channel');
    const id = crypto.randomUUID();
    const videoRedirect = await app.request(`/watch/v/${id}`);
    expect(videoRedirect.status).toBe(301);
    expect(videoRedirect.headers.get('location')).toBe(`/v/${id}`);
    // Encoded, so a crafted slug cannot turn the redirect into another path or site.
    expect((await app.request('/watch/%2F%2Fevil.example')).headers.get('location')).toBe(
      '/c/%2F%2Fevil.example',
    );
  });
});

// Last: its thirteen ready public clips would fill the home page's and the library's newest videos.
describe('the clips of a channel', () => {
  it("lists the channel's ready, public clips with their maker, paged, and credits the maker on a clip's page", async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const maker = await registerAndLogin(app, backends);
    const slug = `clips-${crypto.randomUUID().slice(0, 8)}`;
    const made = await deps.services.channels.create(
      owner.account.id,
      CreateChannelRequestSchema.parse({ slug, title: 'Clipped' }),
    );
    const clipsRepository = new ClipsRepository(backends.database.db);
    const clip = async (title: string) => {
      const videoId = await deps.services.videos.registerClip(
        {
          ownerId: owner.account.id,
          channelId: made.id,
          title,
          description: '',
          tags: [],
          category: 'software',
          visibility: 'public',
        },
        Buffer.from('not media: the pages do not read it'),
      );
      await clipsRepository.insert(
        { videoId, channelId: made.id, makerId: maker.account.id, seconds: 30 },
        async () => {},
      );
      return videoId;
    };
    const ids: string[] = [];
    for (let n = 1; n <= 13; n += 1) ids.push(await clip(n === 1 ? HOSTILE : `Clip ${n}`));
    const hidden = await clip('Private clip');
    const processing = await clip('Processing clip');
    // Processed (no job runs here); the owner made one private.
    await backends.database.db
      .update(videos)
      .set({ status: 'ready', durationMs: 30_000 })
      .where(inArray(videos.id, [...ids, hidden]));
    await backends.database.db.update(videos).set({ visibility: 'private' }).where(eq(videos.id, hidden));

    const first = await (await app.request(`/c/${slug}`)).text();
    const clipLinks = (page: string) =>
      [...(page.match(/id="channel-clips"[\s\S]*?<\/ul>/)?.[0] ?? '').matchAll(/href="\/v\/([^"]+)"/g)].map(
        (match) => match[1],
      );
    // Newest first, twelve a page; neither the private nor the processing one.
    expect(clipLinks(first)).toEqual(ids.slice(1).reverse());
    expect(first).toContain(`Clipped by ${maker.account.username}`);
    expect(first).not.toContain(hidden);
    expect(first).not.toContain(processing);
    const older = first.match(/href="(\/c\/[^"?]+\?clips=[^"#]+)#channel-clips-heading">Older clips/)?.[1];
    expect(older).toBeDefined();
    const second = await (await app.request((older ?? '').replaceAll('&amp;', '&'))).text();
    expect(clipLinks(second)).toEqual([ids[0]]);
    expect(second).toContain('&lt;script&gt;alert');
    expect(second).toContain(`href="/c/${slug}#channel-clips-heading">Newest clips`);
    expect(second).not.toContain('Older clips');
    // A cursor edited by hand shows the first page.
    expect(clipLinks(await (await app.request(`/c/${slug}?clips=nonsense`)).text())).toEqual(
      ids.slice(1).reverse(),
    );

    const clipPage = await (await app.request(`/v/${ids[1]}`)).text();
    expect(clipPage).toContain(`<span id="clipped-by">Clipped by ${maker.account.username}</span>`);
    const other = await readyVideo(backends, deps, streamer, { title: 'Not a clip' });
    expect(await (await app.request(`/v/${other}`)).text()).not.toContain('clipped-by');
  });
});
