/**
 * The web app benchmark (issue 20): what each page costs the reader and the server, on a gateway with
 * the media node in-process and a channel live from real ffmpeg. See bench/README.md ("Web app").
 *
 * - JavaScript per page: the bytes on the wire (gzipped) of every script the page loads, hls.js apart,
 *   read from Chromium's own request sizes after the page settled, for a signed-in reader; and the
 *   chunks loaded only on demand;
 * - server render time per page: sequential HTTP requests to the running gateway, median and p95,
 *   against the anchor measured in the same run: `GET /healthz` (the gateway's fixed cost per request);
 * - first frame of a live channel page: from the page's load event (and from navigation start) to the
 *   first frame the <video> presents;
 * - Lighthouse's performance, accessibility and best-practices scores of the home, live channel,
 *   studio and video pages, with its desktop and mobile presets (median of `--lighthouse-runs`).
 *
 * Pages are measured as a signed-in streamer reads them, the admin pages as a signed-in admin.
 *
 *   node --import tsx bench/web/run.ts [--renders 200] [--first-frames 5] [--lighthouse-runs 3]
 *     [--lighthouse-only] [--lighthouse-pages home,channel,studio,video] [--reports <dir>]
 *     (also: directory, search, settings, studio-stream, studio-videos, studio-clips, docs, admin-users,
 *     admin-live, admin-instance)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { VideoSchema } from '@streamhub/contracts/videos';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { chromium, type Page } from 'playwright-core';
import { encodeUploadMetadata } from '../../api/src/domains/videos/tus.ts';
import { CHROMIUM, startLiveGateway } from '../../api/src/web/browser-test-kit.ts';
import { webAssets } from '../../api/src/web/web-assets.ts';
import { loadAverages } from '../live/proc.ts';
import { cleanUpOnSignals, removeOnExit } from '../shared/cleanup.ts';
import { type LighthouseScores, launchForLighthouse, type Preset, runLighthouse } from './lighthouse.ts';

const { values } = parseArgs({
  options: {
    renders: { type: 'string', default: '200' },
    'first-frames': { type: 'string', default: '5' },
    'lighthouse-runs': { type: 'string', default: '3' },
    'lighthouse-only': { type: 'boolean', default: false },
    'lighthouse-pages': { type: 'string', default: 'home,channel,studio,video' },
    reports: { type: 'string' },
  },
});
const RENDERS = Number(values.renders);
const FIRST_FRAMES = Number(values['first-frames']);
const LIGHTHOUSE_RUNS = Number(values['lighthouse-runs']);
const LIGHTHOUSE_ONLY = values['lighthouse-only'] ?? false;
if (
  !Number.isInteger(RENDERS) ||
  RENDERS < 10 ||
  !Number.isInteger(FIRST_FRAMES) ||
  FIRST_FRAMES < 1 ||
  !Number.isInteger(LIGHTHOUSE_RUNS) ||
  LIGHTHOUSE_RUNS < 0
) {
  process.stderr.write(
    'bench/web: --renders must be an integer ≥ 10, --first-frames ≥ 1 and --lighthouse-runs ≥ 0\n',
  );
  process.exit(2);
}

// Targets of issue 20.
const JS_BUDGET_BYTES = 60 * 1024;
const FIRST_FRAME_TARGET_MS = 1500;
const PERFORMANCE_TARGET = 90;
const ACCESSIBILITY_TARGET = 95;
const SLUG = 'bench-live';
const PASSWORD = 'a long bench password';
const STREAMER = 'bench@example.test';
const ADMIN = 'bench-admin@example.test';
type Reader = typeof STREAMER | typeof ADMIN;

cleanUpOnSignals();
const log = (line: string) => process.stderr.write(`${line}\n`);
log(
  `machine: ${cpus().length} vCPU, Node ${process.versions.node}; load average ${loadAverages().join(', ')}`,
);

// The render loop sends thousands of requests from one address: the rate limit would answer 429.
const server = await startLiveGateway(
  [
    { email: STREAMER, username: 'bench', password: PASSWORD },
    { email: ADMIN, username: 'bench_admin', password: PASSWORD, role: 'admin' },
  ],
  {
    RATE_LIMIT_MAX: '100000000',
  },
);
const base = server.base;
const browser = await chromium.launch({ executablePath: CHROMIUM });
try {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const { accessToken } = (await post('/api/v1/auth/login', {
    email: STREAMER,
    password: PASSWORD,
  })) as { accessToken: string };
  await post('/api/v1/channels', { slug: SLUG, title: 'Bench live', category: 'software' }, accessToken);
  const videoId = await uploadVideo(accessToken);
  const key = CreatedStreamKeySchema.parse(
    await post(`/api/v1/channels/${SLUG}/keys`, { name: 'OBS' }, accessToken),
  );
  // Long enough for every section; stopped at the end.
  startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 3600, '640x360');
  for (let tries = 0; ; tries += 1) {
    const channel = (await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json()) as { live: boolean };
    if (channel.live) break;
    if (tries > 100) throw new Error('the bench channel never went live');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // [name, path, who reads it]
  const pages: [string, string, Reader][] = [
    ['home', '/', STREAMER],
    ['directory', '/directory', STREAMER],
    ['channel', `/c/${SLUG}`, STREAMER],
    ['studio', '/studio', STREAMER],
    ['studio stream', '/studio/stream', STREAMER],
    ['studio videos', '/studio/videos', STREAMER],
    ['admin users', '/admin', ADMIN],
    ['admin live', '/admin/live', ADMIN],
    ['admin instance', '/admin/instance', ADMIN],
    ['settings', '/settings', STREAMER],
    ['video', `/v/${videoId}`, STREAMER],
  ];
  // Signed in, as the studio's reader is (a signed-out one is sent to sign in): the session the app
  // keeps in localStorage, put there before any page script runs. Handed out as valid for 10 minutes, so
  // no page renews it (and so rotates its refresh token) within the first 9; a new one is signed in
  // after 5 minutes, so a run that outlasts the access token never measures pages answering 401 to a
  // stale session, and the logins stay well within the per-account login limit (20 in 15 minutes).
  const SESSION_REUSE_MS = 5 * 60_000;
  const sessions = new Map<Reader, { json: string; at: number }>();
  const signedIn = async (reader: Reader) => {
    const session = sessions.get(reader);
    if (session && Date.now() - session.at < SESSION_REUSE_MS) return session.json;
    const tokens = (await post('/api/v1/auth/login', { email: reader, password: PASSWORD })) as {
      accessToken: string;
      refreshToken: string;
    };
    const fresh = {
      at: Date.now(),
      json: JSON.stringify({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: Date.now() + 10 * 60_000,
        lifetime: 15 * 60_000,
      }),
    };
    sessions.set(reader, fresh);
    return fresh.json;
  };

  // --- Lighthouse ------------------------------------------------------------------------------------
  const lighthousePages: [string, string, Reader][] = [
    ['home', '/', STREAMER],
    ['channel (live)', `/c/${SLUG}`, STREAMER],
    ['studio', '/studio', STREAMER],
    ['video', `/v/${videoId}`, STREAMER],
    // Not in the default --lighthouse-pages: the rest of the viewer's, the streamer's and the admin's pages.
    ['directory', '/directory', STREAMER],
    ['search', '/search?q=bench', STREAMER],
    ['settings', '/settings', STREAMER],
    ['studio-stream', '/studio/stream', STREAMER],
    ['studio-videos', '/studio/videos', STREAMER],
    ['studio-clips', '/studio/clips', STREAMER],
    ['docs', '/docs', STREAMER],
    // The users page lists the two accounts; the live channels page has the bench channel's row.
    ['admin-users', '/admin', ADMIN],
    ['admin-live', '/admin/live', ADMIN],
    ['admin-instance', '/admin/instance', ADMIN],
  ];
  const chosen = new Set((values['lighthouse-pages'] ?? '').split(','));
  const scores = new Map<string, LighthouseScores[]>();
  if (LIGHTHOUSE_RUNS > 0) {
    const reports = values.reports;
    if (reports) await mkdir(reports, { recursive: true });
    const lhBrowser = await launchForLighthouse(CHROMIUM);
    try {
      for (const preset of ['desktop', 'mobile'] as Preset[]) {
        for (const [name, path, reader] of lighthousePages) {
          if (!chosen.has(name.split(' ')[0] ?? name)) continue;
          const runs: LighthouseScores[] = [];
          for (let run = 0; run < LIGHTHOUSE_RUNS; run += 1) {
            const file = reports ? join(reports, `${preset}-${name.split(' ')[0]}-${run}.json`) : undefined;
            const result = await lighthouseWithRetries(async () =>
              runLighthouse(
                lhBrowser,
                `${base}${path}`,
                preset,
                { 'streamhub.session': await signedIn(reader) },
                file,
              ),
            );
            log(
              `lighthouse ${preset} ${name} #${run + 1}: ${result.performance}/${result.accessibility}/${result.bestPractices} benchmarkIndex ${result.benchmarkIndex} ${JSON.stringify(result.metrics)} ${result.failing.join(', ')}`,
            );
            runs.push(result);
          }
          scores.set(`${preset} ${name}`, runs);
        }
      }
    } finally {
      await lhBrowser.close();
    }
  }

  if (LIGHTHOUSE_ONLY) {
    reportLighthouse(scores);
    process.exit(0);
  }
  // --- server render time ----------------------------------------------------------------------------
  const timings = async (path: string) => {
    const samples: number[] = [];
    for (let i = 0; i < RENDERS + 20; i += 1) {
      const started = performance.now();
      const response = await fetch(`${base}${path}`, { headers: { 'Accept-Encoding': 'identity' } });
      await response.arrayBuffer();
      if (i >= 20) samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
    return { median: at(0.5), p95: at(0.95) };
  };
  const anchor = await timings('/healthz');
  log(`anchor GET /healthz: median ${anchor.median.toFixed(2)} ms, p95 ${anchor.p95.toFixed(2)} ms`);
  const renders = new Map<string, { median: number; p95: number }>();
  for (const [name, path] of pages) renders.set(name, await timings(path));

  // --- JavaScript per page -----------------------------------------------------------------------------
  const scriptBytes = async (path: string, reader: Reader) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const stored = await signedIn(reader);
    await context.addInitScript(`localStorage.setItem('streamhub.session', ${JSON.stringify(stored)})`);
    const page = await context.newPage();
    const scripts: Promise<{ url: string; bytes: number }>[] = [];
    page.on('requestfinished', (request) => {
      if (request.resourceType() !== 'script') return;
      scripts.push(request.sizes().then((sizes) => ({ url: request.url(), bytes: sizes.responseBodySize })));
    });
    await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
    const loaded = await Promise.all(scripts);
    await context.close();
    const isHls = (url: string) => /\/assets\/hls-/.test(url);
    return {
      app: loaded.filter((s) => !isHls(s.url)).reduce((sum, s) => sum + s.bytes, 0),
      hls: loaded.filter((s) => isHls(s.url)).reduce((sum, s) => sum + s.bytes, 0),
    };
  };
  const weights = new Map<string, { app: number; hls: number }>();
  for (const [name, path, reader] of pages) weights.set(name, await scriptBytes(path, reader));

  // --- first frame on the live channel page --------------------------------------------------------------
  const firstFrame = async (page: Page) => {
    const response = await page.goto(`${base}/c/${SLUG}`);
    if (response?.status() !== 200) throw new Error(`GET /c/${SLUG}: ${response?.status()}`);
    await page.waitForSelector('#player');
    // A string, not a function: tsx would add its name helper, which the page does not have.
    return page.evaluate(`new Promise((resolve, reject) => {
      const video = document.querySelector('video');
      if (!video) return reject(new Error('no <video> on the channel page'));
      video.requestVideoFrameCallback(() => {
        const navigation = performance.getEntriesByType('navigation')[0];
        const now = performance.now();
        resolve({ fromLoad: now - navigation.loadEventEnd, fromStart: now });
      });
    })`) as Promise<{ fromLoad: number; fromStart: number }>;
  };
  const frames: { fromLoad: number; fromStart: number }[] = [];
  for (let i = 0; i < FIRST_FRAMES; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    frames.push(await firstFrame(await context.newPage()));
    await context.close();
  }
  frames.sort((a, b) => a.fromLoad - b.fromLoad);
  const medianFrame = frames[Math.floor(frames.length / 2)] ?? {
    fromLoad: Number.NaN,
    fromStart: Number.NaN,
  };

  // --- report ---------------------------------------------------------------------------------------------
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const lines = [
    '| page | JS gzipped (hls.js apart) | hls.js | render median | p95 | median ÷ anchor |',
    '| --- | --- | --- | --- | --- | --- |',
    ...pages.map(([name]) => {
      const weight = weights.get(name) ?? { app: 0, hls: 0 };
      const render = renders.get(name) ?? { median: 0, p95: 0 };
      return `| ${name} | ${kb(weight.app)} | ${weight.hls ? kb(weight.hls) : '—'} | ${render.median.toFixed(2)} ms | ${render.p95.toFixed(2)} ms | ${(render.median / anchor.median).toFixed(1)}× |`;
    }),
    `| anchor \`GET /healthz\` | | | ${anchor.median.toFixed(2)} ms | ${anchor.p95.toFixed(2)} ms | 1.0× |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  // Chunks a page imports only when it needs them (the uploader's tus-js-client, on the first upload).
  for (const [name, file] of (await webAssets()).files) {
    if (name.startsWith('chunk-'))
      process.stdout.write(`on demand: ${name} ${kb(file.gzipped.byteLength)} gzipped\n`);
  }
  const heaviest = Math.max(...[...weights.values()].map((w) => w.app));
  process.stdout.write(
    `JS per page ≤ 60 KB gzipped: ${heaviest <= JS_BUDGET_BYTES ? 'PASS' : 'FAIL'} (heaviest ${kb(heaviest)})\n`,
  );
  process.stdout.write(
    `first frame on a live channel page, median of ${FIRST_FRAMES}: ${medianFrame.fromLoad.toFixed(0)} ms after load (${medianFrame.fromStart.toFixed(0)} ms after navigation start): ${medianFrame.fromLoad <= FIRST_FRAME_TARGET_MS ? 'PASS' : 'FAIL'} (target ${FIRST_FRAME_TARGET_MS} ms)\n`,
  );
  reportLighthouse(scores);
  log(`load average after: ${loadAverages().join(', ')}`);
} finally {
  killPublishers();
  await browser.close();
  await server.gateway.close();
}

/** The median of each score and metric over the runs of every page, one table row each, and the verdicts. */
function reportLighthouse(scores: Map<string, LighthouseScores[]>): void {
  if (scores.size === 0) return;
  const median = (numbers: number[]) => {
    const sorted = [...numbers].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const ms = (value: number) => `${Math.round(value).toLocaleString('en')} ms`;
  const lines = [
    '| preset, page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | SI | runs (perf) | benchmarkIndex |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let worstPerformance = 100;
  let worstAccessibility = 100;
  for (const [name, runs] of scores) {
    const pick = (read: (scores: LighthouseScores) => number) => median(runs.map(read));
    const performance = pick((r) => r.performance);
    const accessibility = pick((r) => r.accessibility);
    worstPerformance = Math.min(worstPerformance, performance);
    worstAccessibility = Math.min(worstAccessibility, accessibility);
    lines.push(
      `| ${name} | ${performance} | ${accessibility} | ${pick((r) => r.bestPractices)} | ${ms(pick((r) => r.metrics.fcp))} | ${ms(pick((r) => r.metrics.lcp))} | ${ms(pick((r) => r.metrics.tbt))} | ${pick((r) => r.metrics.cls).toFixed(3)} | ${ms(pick((r) => r.metrics.si))} | ${runs.map((r) => r.performance).join(', ')} | ${Math.round(pick((r) => r.benchmarkIndex))} |`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  process.stdout.write(
    `Lighthouse performance ≥ ${PERFORMANCE_TARGET} on every page: ${worstPerformance >= PERFORMANCE_TARGET ? 'PASS' : 'FAIL'} (lowest median ${worstPerformance})\n`,
  );
  process.stdout.write(
    `Lighthouse accessibility ≥ ${ACCESSIBILITY_TARGET} on every page: ${worstAccessibility >= ACCESSIBILITY_TARGET ? 'PASS' : 'FAIL'} (lowest median ${worstAccessibility})\n`,
  );
}

/** A real 6-second video uploaded over tus and processed by the gateway's job: the video page's subject. */
async function uploadVideo(accessToken: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-web-'));
  removeOnExit(dir);
  const file = join(dir, 'bench.mp4');
  await promisify(execFile)('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '6'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file],
  ]);
  const bytes = await readFile(file);
  const auth = { Authorization: `Bearer ${accessToken}`, 'Tus-Resumable': '1.0.0' };
  const created = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': encodeUploadMetadata({ title: 'Bench video', visibility: 'public' }),
    },
  });
  if (created.status !== 201) throw new Error(`POST /api/v1/uploads: ${created.status}`);
  const location = created.headers.get('location') ?? '';
  const sent = await fetch(`${base}${location}`, {
    method: 'PATCH',
    headers: { ...auth, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
    body: bytes,
  });
  if (sent.status !== 204) throw new Error(`PATCH ${location}: ${sent.status}`);
  const videoId = location.split('/').at(-1) ?? '';
  for (let tries = 0; tries < 600; tries += 1) {
    const video = VideoSchema.parse(
      await (await fetch(`${base}/api/v1/videos/${videoId}`, { headers: auth })).json(),
    );
    if (video.status === 'ready') return videoId;
    if (video.status === 'failed') throw new Error(`the bench video failed: ${video.failureReason}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the bench video was not ready within 2 minutes');
}

/**
 * Lighthouse now and then fails to record a trace on a busy machine (NO_NAVSTART, NO_FCP): such a run
 * measured nothing, so it is taken again, at most twice, and said so.
 */
async function lighthouseWithRetries(run: () => Promise<LighthouseScores>): Promise<LighthouseScores> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 3) throw error;
      process.stderr.write(`Lighthouse failed (${(error as Error).message}); running it again\n`);
    }
  }
}
