/**
 * The creator studio and admin pages over HTTP: headers, the workspace navigation with the current
 * section marked, every field labelled, the ingest address and limits from the configuration (the
 * instance settings an admin may change, as a form), and the live channels listed for the admin page.
 */
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { registerAndLogin } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { appPageCsp } from './page-csp.ts';
import { ADMIN_SECTIONS, STUDIO_SECTIONS } from './pages/workspace-layout.tsx';

let backends: TestBackends;
let app: GatewayApp;
let csp: string;

beforeAll(async () => {
  backends = await createTestBackends();
  const deps = backends.deps({
    RTMP_PUBLIC_URL: 'rtmp://ingest.example.test:1935/live',
    CHANNEL_CREATION: 'verified',
    VIDEO_MAX_BYTES: String(2 * 1024 ** 3),
  });
  app = createApp(deps).app;
  csp = appPageCsp(deps.config.publicUrl);
});
afterAll(() => backends.close());

const pages = [
  ['/studio', 'studio', 'Your channel', STUDIO_SECTIONS],
  ['/studio/stream', 'studio-stream', 'Stream', STUDIO_SECTIONS],
  ['/studio/videos', 'studio-videos', 'Videos', STUDIO_SECTIONS],
  ['/studio/clips', 'studio-clips', 'Clips', STUDIO_SECTIONS],
  ['/studio/moderation', 'studio-moderation', 'Moderation', STUDIO_SECTIONS],
  ['/admin', 'admin', 'Users', ADMIN_SECTIONS],
  ['/admin/live', 'admin-live', 'Live channels', ADMIN_SECTIONS],
  ['/admin/instance', 'admin-instance', 'Instance settings', ADMIN_SECTIONS],
] as const;

describe.each(pages)('GET %s', (path, page, heading, sections) => {
  it('is an app page under the strict CSP, never framed, with the section marked and every field labelled', async () => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain(`<body data-page="${page}">`);
    expect(html).toContain(`<h1>${heading}</h1>`);
    expect(html).toContain('<main id="main" tabindex="-1">');
    // Every section of the workspace, this one marked as the current page.
    for (const section of sections) {
      const current = section.path === path ? ' aria-current="page"' : '';
      expect(html).toContain(`<a href="${section.path}"${current}>${section.label}</a>`);
    }
    // One link marked (the inline stylesheet's `a[aria-current="page"]` selectors are no link).
    expect(html.match(/<a [^>]*aria-current="page"/g)).toHaveLength(1);
    for (const [, id] of html.matchAll(/<(?:input|textarea|select) id="([\w-]+)"/g)) {
      if (id === 'site-search') continue;
      // A label naming it, or the label that wraps it (the checkbox).
      const labelled =
        html.includes(`<label for="${id}">`) || new RegExp(`<label[^>]*>\\s*<input id="${id}"`).test(html);
      expect(labelled, id).toBe(true);
    }
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" src="\/assets\/app-[\w-]{12}\.js">$/),
    ]);
  });
});

describe('the studio pages', () => {
  it('give the OBS server from RTMP_PUBLIC_URL, ready to copy, and the upload limit', async () => {
    const stream = await (await app.request('/studio/stream')).text();
    expect(stream).toContain(
      '<input id="obs-server" value="rtmp://ingest.example.test:1935/live" readonly=""',
    );
    expect(stream).toContain('data-copy="obs-server"');
    expect(stream).toContain('data-copy="new-key-secret"');
    const videos = await (await app.request('/studio/videos')).text();
    expect(videos).toContain('At most 2 GiB.');
    expect(videos).toContain('id="drop-zone"');
  });
});

describe('the admin pages', () => {
  it('show the streaming policy and limits an admin may change, each with its default and variable, then the rest', async () => {
    const html = await (await app.request('/admin/instance')).text();
    expect(html).toMatch(/<input type="radio" name="channelCreation" value="verified" checked/);
    expect(html).toContain('Default (CHANNEL_CREATION): Any account with a verified email address.');
    expect(html).toMatch(/<input id="setting-videoMaxBytes"[^>]* value="2048"/);
    expect(html).toContain('Default (VIDEO_MAX_BYTES): 2048 MiB.');
    expect(html).toContain('<td>rtmp://ingest.example.test:1935/live</td><td><code>RTMP_PUBLIC_URL</code>');
  });

  it('list the live channels, each with the way to suspend its streamer, titles as text', async () => {
    expect(await (await app.request('/admin/live')).text()).toContain('No channel is live right now.');
    const streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    const created = await app.request('/api/v1/channels', {
      method: 'POST',
      headers: { Authorization: streamer.authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ slug: 'admin-live-page', title: 'On <b>air</b>' }),
    });
    expect(created.status).toBe(201);
    const channels = backends.deps().services.channels;
    const key = CreatedStreamKeySchema.parse(
      await (
        await app.request('/api/v1/channels/admin-live-page/keys', {
          method: 'POST',
          headers: { Authorization: streamer.authorization, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'OBS' }),
        })
      ).json(),
    );
    // Live as an accepted publish makes it, without a media node.
    await channels.authorizePublish(key.secret, { nodeId: 'workspace-test' });
    const html = await (await app.request('/admin/live')).text();
    expect(html).toContain('<a href="/c/admin-live-page">On &lt;b&gt;air&lt;/b&gt;</a>');
    expect(html).toContain(
      `href="/admin?q=${streamer.account.username}" aria-label="Suspend @${streamer.account.username}…"`,
    );
    expect(html).toContain(
      'data-cut="admin-live-page" aria-label="End the broadcast of On &lt;b&gt;air&lt;/b&gt;"',
    );
  });

  it('echo the search into the box as text only', async () => {
    const html = await (await app.request('/admin?q=%22%3E%3Cscript%3E')).text();
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(html).not.toContain('"><script>');
  });
});
