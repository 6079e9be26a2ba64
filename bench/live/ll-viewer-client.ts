/**
 * LL-HLS viewers for the gateway part of bench/live, in their own process: each viewer does what hls.js
 * does in low-latency mode, a blocking playlist reload for the part the last playlist hinted
 * (`_HLS_msn`/`_HLS_part` from `EXT-X-PRELOAD-HINT`), then a GET of that part. Like hls.js (1.7's
 * `getSkipValue`), a reload asks for a delta update (`_HLS_skip=YES`) when the playlist offers them
 * (`CAN-SKIP-UNTIL`) and the viewer's copy is younger than half of that. The playlist file the
 * media node writes is watched (inotify, with a 20 ms poll behind it) to know when each part came to
 * exist; a delivery's delay is from then to the response's last byte. Prints one JSON line.
 *
 *   node --import tsx bench/live/ll-viewer-client.ts --base http://127.0.0.1:3000 \
 *     --path /hls/<playbackId>/360p.m3u8 --playlist-file <dir>/360p.m3u8 --viewers 1000 --seconds 20
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    path: { type: 'string' },
    'playlist-file': { type: 'string' },
    viewers: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
  },
  strict: true,
});
const base = values.base;
const path = values.path;
const playlistFile = values['playlist-file'];
if (!base || !path || !playlistFile) throw new Error('--base, --path and --playlist-file are required');
const viewers = Number(values.viewers);
const seconds = Number(values.seconds);

// Node's fetch keeps connections alive with no limit per origin: about one connection per viewer, as
// separate players would have.
/** When each part (`msn.index`) was first listed in the playlist file. */
const listedAt = new Map<string, number>();

function partsIn(text: string): string[] {
  const parts: string[] = [];
  let msn = 0;
  let index = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-PART:')) parts.push(`${msn}.${index++}`);
    else if (line !== '' && !line.startsWith('#')) {
      msn += 1;
      index = 0;
    }
  }
  return parts;
}

async function scan(): Promise<void> {
  const text = await readFile(playlistFile as string, 'utf8').catch(() => '');
  const now = performance.now();
  for (const part of partsIn(text)) if (!listedAt.has(part)) listedAt.set(part, now);
}
const watcher = watch(dirname(playlistFile), (_event, name) => {
  if (name === basename(playlistFile)) void scan();
});
const poll = setInterval(() => void scan(), 20);
await scan();

interface Hint {
  msn: number;
  part: number;
  uri: string;
}

/** `CAN-SKIP-UNTIL` of a playlist in seconds, 0 when it offers no delta updates. */
function canSkipUntil(text: string): number {
  return Number(/CAN-SKIP-UNTIL=([\d.]+)/.exec(text)?.[1] ?? 0);
}

function hintOf(text: string): Hint | undefined {
  const uri = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
  const match = uri && /-(\d+)\.p(\d+)\.m4s$/.exec(uri);
  return match ? { msn: Number(match[1]), part: Number(match[2]), uri } : undefined;
}

const playlistDelays: number[] = [];
const partDelays: number[] = [];
const statuses: Record<string, number> = {};
let inFlight = 0;
const heldSamples: number[] = [];
let requests = 0;
let notListedYet = 0;
const end = performance.now() + seconds * 1000;
const partUrl = (uri: string) => new URL(uri, `${base}${path}`).toString();

function delaySince(part: string, now: number): number {
  const listed = listedAt.get(part);
  if (listed === undefined) {
    notListedYet += 1;
    return 0;
  }
  return Math.max(0, now - listed);
}

/** One viewer; a failed connection (reset, refused) is counted and the viewer starts over shortly. */
async function viewer(startDelayMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, startDelayMs));
  while (performance.now() < end) {
    try {
      await watchParts();
    } catch (error) {
      const code = ((error as Error).cause as { code?: string } | undefined)?.code ?? 'error';
      statuses[code] = (statuses[code] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function watchParts(): Promise<void> {
  let hint: Hint | undefined;
  // What the full playlist offered, and when the viewer's copy last advanced (hls.js's `age`).
  let skipUntilS = 0;
  let loadedAt = 0;
  while (performance.now() < end) {
    if (!hint) {
      const text = await (await fetch(`${base}${path}`)).text();
      requests += 1;
      skipUntilS = canSkipUntil(text);
      loadedAt = performance.now();
      hint = hintOf(text);
      if (!hint) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
    }
    const asked: Hint = hint;
    const skip =
      skipUntilS > 0 && (performance.now() - loadedAt) / 1000 < skipUntilS / 2 ? '&_HLS_skip=YES' : '';
    inFlight += 1;
    let response: Response;
    try {
      response = await fetch(`${base}${path}?_HLS_msn=${asked.msn}&_HLS_part=${asked.part}${skip}`);
    } finally {
      inFlight -= 1;
    }
    const text = await response.text();
    requests += 1;
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (response.status !== 200) {
      hint = undefined;
      continue;
    }
    loadedAt = performance.now();
    const key = `${asked.msn}.${asked.part}`;
    playlistDelays.push(delaySince(key, performance.now()));
    // The part the playlist now names (the hint may have become the next segment's first part).
    const part = await fetch(partUrl(asked.uri));
    await part.arrayBuffer();
    requests += 1;
    statuses[`part ${part.status}`] = (statuses[`part ${part.status}`] ?? 0) + 1;
    if (part.ok) partDelays.push(delaySince(key, performance.now()));
    hint = hintOf(text);
  }
}

const sampler = setInterval(() => heldSamples.push(inFlight), 50);
const started = performance.now();
await Promise.all(Array.from({ length: viewers }, (_, i) => viewer((i / viewers) * 1000)));
const elapsedS = (performance.now() - started) / 1000;
clearInterval(sampler);
clearInterval(poll);
watcher.close();

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const summary = (xs: number[]) => ({
  count: xs.length,
  p50: quantile(xs, 0.5),
  p95: quantile(xs, 0.95),
  p99: quantile(xs, 0.99),
  max: Math.max(...xs),
});
process.stdout.write(
  `${JSON.stringify({
    viewers,
    elapsedS,
    requests,
    requestsPerSecond: requests / elapsedS,
    blockingReloadsPerSecond: playlistDelays.length / elapsedS,
    heldMedian: quantile(heldSamples, 0.5),
    heldMax: Math.max(...heldSamples),
    playlistDelayMs: summary(playlistDelays),
    partDelayMs: summary(partDelays),
    statuses,
    notListedYet,
    clientCpuS: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  })}\n`,
);
process.exit(0);
