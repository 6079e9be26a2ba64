/**
 * LivePlaylistWatch against the real filesystem media storage: blocking requests that arrive one after
 * another, as 1,000 LL viewers' do, cost one playlist read per announced part, not one each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { keyIn, mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivePlaylistWatch, watchKeyOf } from './live-playlist-watch.ts';

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
    let reads = 0;
    // The real storage, with its reads counted.
    const media = new Proxy(real, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'read') {
          return (...args: Parameters<MediaStorage['read']>) => {
            reads += 1;
            return target.read(...args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const watch = new LivePlaylistWatch(media, { pollMs: 60_000 });
    const playbackId = 'watchtest000001';
    const key = keyIn(mediaKeys.livePrefix(playbackId), '360p.m3u8');
    await real.write(key, Buffer.from(playlist(1)));
    expect((await watch.read(key))?.edge.lastPart).toEqual({ msn: 0, index: 0 });
    const before = reads;

    // 100 viewers ask for part 1 one after another (not in one tick, so reads could not be shared).
    const held: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      held.push(watch.until(watchKeyOf(playbackId, '360p'), key, 0, 1, 10_000));
      await new Promise((r) => setImmediate(r));
    }
    expect(watch.waiting).toBe(100);
    expect(reads - before).toBe(0);

    await real.write(key, Buffer.from(playlist(2)));
    watch.notify({ playbackId, rendition: '360p', lastMsn: -1, lastPart: { msn: 0, index: 1 } });
    const answers = (await Promise.all(held)) as { edge: { lastPart: unknown } }[];
    expect(answers.every((a) => JSON.stringify(a.edge.lastPart) === '{"msn":0,"index":1}')).toBe(true);
    expect(reads - before).toBe(1);
    expect(watch.waiting).toBe(0);

    // Late viewers asking for a part already read are answered at once, without a read.
    const late = await watch.until(watchKeyOf(playbackId, '360p'), key, 0, 1, 10_000);
    expect(late).toBeDefined();
    expect(reads - before).toBe(1);

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
