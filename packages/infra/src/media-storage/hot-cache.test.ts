import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FilesystemMediaStorage } from './filesystem.ts';
import { HotCachedMediaStorage, isHotCacheable } from './hot-cache.ts';
import { type MediaKey, mediaKeys } from './keys.ts';
import { mediaStorageContract } from './media-storage.contract.ts';
import { type MediaStorage, readMediaBytes } from './port.ts';

const directories: string[] = [];
afterAll(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

async function filesystem(): Promise<FilesystemMediaStorage> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-hot-cache-'));
  directories.push(dir);
  return new FilesystemMediaStorage({ dataDir: dir });
}

// The cache in front changes nothing a caller can see: the whole contract holds through it.
mediaStorageContract('hot cache over the filesystem', {
  open: async () => new HotCachedMediaStorage(await filesystem(), { maxBytes: 1024 * 1024 }),
  close: async () => {},
});

/** The filesystem, counting the reads that reach it. */
async function counted(): Promise<{ inner: MediaStorage; reads: MediaKey[] }> {
  const inner = await filesystem();
  const reads: MediaKey[] = [];
  const read = inner.read.bind(inner);
  inner.read = (key, options) => {
    reads.push(key);
    return read(key, options);
  };
  return { inner, reads };
}

describe('HotCachedMediaStorage', () => {
  it('answers repeated and concurrent reads of a segment with one store read, ranges from memory', async () => {
    const { inner, reads } = await counted();
    const cache = new HotCachedMediaStorage(inner, { maxBytes: 1024 * 1024 });
    const key = mediaKeys.liveFile('HotPlayback01', '360p/seg_000001.ts');
    await inner.write(key, Buffer.from('0123456789'));
    const all = await Promise.all(Array.from({ length: 20 }, () => readMediaBytes(cache, key)));
    expect(all.map((b) => b?.toString())).toEqual(Array(20).fill('0123456789'));
    const ranged = await cache.read(key, { range: { start: 3, end: 5 } });
    expect(ranged?.range).toEqual({ start: 3, end: 5 });
    expect(await readMediaBytes({ read: async () => ranged } as unknown as MediaStorage, key)).toEqual(
      Buffer.from('345'),
    );
    expect(reads).toEqual([key]);
    expect(cache.cachedBytes).toBe(10);
  });

  it('trusts an entry for its time only, drops what is written or deleted through it, keeps within its size', async () => {
    const { inner, reads } = await counted();
    const cache = new HotCachedMediaStorage(inner, { maxBytes: 25, ttlMs: 200 });
    const key = (n: number) => mediaKeys.vodFile(randomUUID(), `360p-0000${n}.ts`);
    const first = key(1);
    await inner.write(first, Buffer.from('old content'));
    expect((await readMediaBytes(cache, first))?.toString()).toBe('old content');
    // Another process rewrites it: seen once the entry expires.
    await inner.write(first, Buffer.from('new content'));
    expect((await readMediaBytes(cache, first))?.toString()).toBe('old content');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await readMediaBytes(cache, first))?.toString()).toBe('new content');
    // Through the cache: at once.
    await cache.write(first, Buffer.from('third text!'));
    expect((await readMediaBytes(cache, first))?.toString()).toBe('third text!');
    await cache.delete(first);
    expect(await cache.read(first)).toBeUndefined();
    // Least recently used out first, never above maxBytes.
    const [a, b, c] = [key(2), key(3), key(4)];
    for (const k of [a, b, c]) await inner.write(k, Buffer.from('ten bytes!'));
    for (const k of [a, b, c]) await readMediaBytes(cache, k);
    expect(cache.cachedBytes).toBe(20);
    reads.length = 0;
    await readMediaBytes(cache, c);
    await readMediaBytes(cache, a);
    expect(reads).toEqual([a]);
  });

  it('passes playlists, LL-HLS parts, thumbnails and objects above the object limit straight through', async () => {
    const { inner, reads } = await counted();
    const cache = new HotCachedMediaStorage(inner, { maxBytes: 1024, maxObjectBytes: 8 });
    const big = mediaKeys.vodFile(randomUUID(), '720p-00001.ts');
    await inner.write(big, Buffer.from('more than eight bytes'));
    expect((await readMediaBytes(cache, big))?.toString()).toBe('more than eight bytes');
    const part = await cache.read(big, { range: { start: 5, end: 8 } });
    expect(part?.range).toEqual({ start: 5, end: 8 });
    part?.body.destroy();
    expect(cache.cachedBytes).toBe(0);
    expect(reads.length).toBe(3);
    for (const name of ['360p.m3u8', 'master.m3u8', 'thumbnail.jpg', '360p-000012.p3.m4s']) {
      expect(isHotCacheable(mediaKeys.liveFile('HotPlayback01', name)), name).toBe(false);
    }
    expect(isHotCacheable(mediaKeys.vodPoster(randomUUID()))).toBe(false);
    expect(isHotCacheable(mediaKeys.vodSource(randomUUID()))).toBe(false);
    expect(isHotCacheable(mediaKeys.liveFile('HotPlayback01', '360p-000012.m4s'))).toBe(true);
    expect(isHotCacheable(mediaKeys.avatar('a'.repeat(22), 64))).toBe(true);
  });
});
