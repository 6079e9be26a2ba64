/**
 * LivePlaylistWatch against the real filesystem media storage: blocking requests that arrive one after
 * another, as 1,000 LL viewers' do, cost one playlist read per announced part, not one each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { keyIn, mediaKeys } from '@streamhub/infra/media-storage/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivePlaylistWatch, TIMEOUT_TICK_MS, watchKeyOf } from './live-playlist-watch.ts';
import { countedReads } from './testing/counted-reads.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-watch-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A playlist whose open segment 0 lists `parts` parts. */
const playlist = (parts: number) =>
  [
    '#EXTM3U',
    '#EXT-X-TARGETDURATION:1',
    '#EXT-X-PART-INF:PART-TARGET=0.334',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-MAP:URI="init.mp4"',
    ...Array.from({ length: parts }, (_, i) => `#EXT-X-PART:DURATION=0.334,URI="360p-000000.p${i}.m4s"`),
    `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="360p-000000.p${parts}.m4s"`,
    '',
  ].join('\n');

describe('LivePlaylistWatch', () => {
  it('answers every held request from one read per announced part, however they arrive', async () => {
    const real = createMediaStorage({ dataDir });
    // The real storage, with its reads counted.
    const { media, reads } = countedReads(real);
    const watch = new LivePlaylistWatch(media, { pollMs: 60_000 });
    const playbackId = 'watchtest000001';
    const key = keyIn(mediaKeys.livePrefix(playbackId), '360p.m3u8');
    await real.write(key, Buffer.from(playlist(1)));
    expect((await watch.read(key))?.edge.lastPart).toEqual({ msn: 0, index: 0 });
    const before = reads();

    // 100 viewers ask for part 1 one after another (not in one tick, so reads could not be shared).
    const held: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      held.push(watch.until(watchKeyOf(playbackId, '360p'), key, 0, 1, 10_000));
      await new Promise((r) => setImmediate(r));
    }
    expect(watch.waiting).toBe(100);
    expect(reads() - before).toBe(0);

    await real.write(key, Buffer.from(playlist(2)));
    watch.notify({ playbackId, rendition: '360p', lastMsn: -1, lastPart: { msn: 0, index: 1 } });
    const answers = (await Promise.all(held)) as { edge: { lastPart: unknown } }[];
    expect(answers.every((a) => JSON.stringify(a.edge.lastPart) === '{"msn":0,"index":1}')).toBe(true);
    expect(reads() - before).toBe(1);
    expect(watch.waiting).toBe(0);

    // Late viewers asking for a part already read are answered at once, without a read.
    const late = await watch.until(watchKeyOf(playbackId, '360p'), key, 0, 1, 10_000);
    expect(late).toBeDefined();
    expect(reads() - before).toBe(1);

    // An announcement that came before a request (between its read and its wait) is not missed.
    await real.write(key, Buffer.from(playlist(3)));
    watch.notify({ playbackId, rendition: '360p', lastMsn: -1, lastPart: { msn: 0, index: 2 } });
    const missed = (await watch.until(watchKeyOf(playbackId, '360p'), key, 0, 2, 10_000)) as {
      edge: { lastPart: unknown };
    };
    expect(missed.edge.lastPart).toEqual({ msn: 0, index: 2 });
    watch.close();
  });
});

describe('LivePlaylistWatch, many waiters', () => {
  it('answers 200 concurrent waiters with the very same bytes, read once, when the part appears', async () => {
    const media = createMediaStorage({ dataDir });
    const watch = new LivePlaylistWatch(media, { pollMs: 60_000 });
    const playbackId = 'watchtest000002';
    const key = keyIn(mediaKeys.livePrefix(playbackId), '360p.m3u8');
    await media.write(key, Buffer.from(playlist(1)));
    await watch.read(key);
    const held = Array.from({ length: 200 }, () =>
      watch.until(watchKeyOf(playbackId, '360p'), key, 0, 1, 10_000),
    );
    expect(watch.waiting).toBe(200);
    await media.write(key, Buffer.from(playlist(2)));
    watch.notify({ playbackId, rendition: '360p', lastMsn: -1, lastPart: { msn: 0, index: 1 } });
    const answers = await Promise.all(held);
    const first = answers[0];
    expect(first && Buffer.from(first.bytes).toString()).toBe(playlist(2));
    // One snapshot, one buffer: the body is not rendered or copied per request.
    expect(answers.every((a) => a === first && a?.bytes === first?.bytes)).toBe(true);
    expect(watch.waiting).toBe(0);
    watch.close();
  });

  it('times held requests out by their deadline without a timer each, never early', async () => {
    const media = createMediaStorage({ dataDir });
    const watch = new LivePlaylistWatch(media, { pollMs: 60_000 });
    const playbackId = 'watchtest000003';
    const key = keyIn(mediaKeys.livePrefix(playbackId), '360p.m3u8');
    await media.write(key, Buffer.from(playlist(1)));
    await watch.read(key);
    const started = Date.now();
    const settledAt: number[] = [];
    const track = (timeoutMs: number) =>
      watch.until(watchKeyOf(playbackId, '360p'), key, 0, 5, timeoutMs).then((snapshot) => {
        settledAt.push(Date.now() - started);
        return snapshot;
      });
    const short = Array.from({ length: 50 }, () => track(300));
    const long = Array.from({ length: 50 }, () => track(900));
    expect(await Promise.all(short)).toEqual(Array(50).fill(undefined));
    expect(watch.waiting).toBe(50);
    expect(await Promise.all(long)).toEqual(Array(50).fill(undefined));
    expect(watch.waiting).toBe(0);
    const [shortTimes, longTimes] = [settledAt.slice(0, 50), settledAt.slice(50)];
    expect(Math.min(...shortTimes)).toBeGreaterThanOrEqual(300);
    expect(Math.min(...longTimes)).toBeGreaterThanOrEqual(900);
    // Late by at most a tick or so (a loaded machine's event loop adds its own delay).
    expect(Math.max(...longTimes)).toBeLessThan(900 + TIMEOUT_TICK_MS + 1000);
    watch.close();
  });
});
