/** LivePartCache against the real filesystem media storage, its reads counted. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaRead, MediaStorage } from '@streamhub/infra/media-storage/port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivePartCache } from './live-part-cache.ts';
import { countedReads } from './testing/counted-reads.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-parts-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function countedStorage(): { media: MediaStorage; reads: () => number } {
  return countedReads(createMediaStorage({ dataDir }));
}

async function bytesOf(read: MediaRead | undefined): Promise<Buffer> {
  if (!read) throw new Error('no such part');
  if (read.bytes) {
    read.body.destroy();
    return Buffer.from(read.bytes);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('LivePartCache', () => {
  it('serves 200 concurrent requests for a new part from one storage read, as the storage would', async () => {
    const { media, reads } = countedStorage();
    const cache = new LivePartCache(media);
    const key = mediaKeys.liveFile('partcache00001', '360p-000007.p2.m4s');
    const part = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 251));
    await media.write(key, part);
    const fromStorage = await media.read(key);
    fromStorage?.body.destroy();
    const before = reads();

    const answers = await Promise.all(Array.from({ length: 200 }, () => cache.read(key)));
    expect(reads() - before).toBe(1);
    for (const answer of answers) {
      expect(answer?.stat).toEqual(fromStorage?.stat);
      expect(answer?.range).toEqual({ start: 0, end: part.byteLength - 1 });
    }
    expect((await bytesOf(answers[0])).equals(part)).toBe(true);
    // A later viewer: from memory, no read.
    expect((await bytesOf(await cache.read(key))).equals(part)).toBe(true);
    expect(reads() - before).toBe(1);
    expect(cache.size).toEqual({ parts: 1, bytes: part.byteLength });
  });

  it('answers undefined for a part that is not there, and remembers nothing', async () => {
    const { media } = countedStorage();
    const cache = new LivePartCache(media);
    expect(await cache.read(mediaKeys.liveFile('partcache00002', '360p-000001.p0.m4s'))).toBeUndefined();
    expect(cache.size.parts).toBe(0);
  });

  it('lets parts go after their time and the oldest first beyond its size', async () => {
    const { media, reads } = countedStorage();
    const cache = new LivePartCache(media, { maxBytes: 25_000, ttlMs: 200 });
    const keys = [0, 1, 2].map((i) => mediaKeys.liveFile('partcache00003', `360p-000001.p${i}.m4s`));
    for (const key of keys) await media.write(key, Buffer.alloc(10_000, 1));
    for (const key of keys) await bytesOf(await cache.read(key));
    // 30,000 bytes asked for, 25,000 allowed: the oldest part left.
    expect(cache.size).toEqual({ parts: 2, bytes: 20_000 });
    const before = reads();
    await bytesOf(await cache.read(keys[2] as (typeof keys)[number]));
    expect(reads() - before).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    await bytesOf(await cache.read(keys[2] as (typeof keys)[number]));
    expect(reads() - before).toBe(1);
    // The expired entries were dropped when the new one came in.
    expect(cache.size).toEqual({ parts: 1, bytes: 10_000 });
  });
});
