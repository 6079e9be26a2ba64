/**
 * The behaviour every MediaStorage implementation must show; run by `filesystem.test.ts` (and, with its
 * own harness, by the object-storage implementation). Every test makes its own ids, so order never matters.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidMediaKeyError, type MediaKey, type MediaPrefix, mediaKeys } from './keys.ts';
import {
  MediaNotFoundError,
  MediaRangeNotSatisfiableError,
  type MediaRead,
  type MediaStorage,
} from './port.ts';

export interface MediaStorageHarness {
  /** A fresh, empty storage. */
  open(): Promise<MediaStorage>;
  /** Frees what `open` made (a temporary directory, a bucket). */
  close(storage: MediaStorage): Promise<void>;
}

const playbackId = () => randomBytes(12).toString('base64url');
const bytes = (text: string) => Buffer.from(text, 'utf8');

async function drain(read: MediaRead | undefined): Promise<string | undefined> {
  if (!read) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers the contract suite. */
export function mediaStorageContract(label: string, harness: MediaStorageHarness): void {
  describe(`MediaStorage contract: ${label}`, () => {
    let storage: MediaStorage;
    beforeAll(async () => {
      storage = await harness.open();
    });
    afterAll(async () => {
      await harness.close(storage);
    });

    it('round-trips an object written from bytes and from a stream, with its stat', async () => {
      const video = randomUUID();
      const poster = mediaKeys.vodPoster(video);
      await storage.write(poster, bytes('poster bytes'));
      expect(await drain(await storage.read(poster))).toBe('poster bytes');
      const stat = await storage.stat(poster);
      expect(stat?.size).toBe(12);
      expect(stat?.etag).toMatch(/^"[^"]+"$/);
      expect(stat?.modified.getTime()).toBeGreaterThan(Date.now() - 60_000);

      const master = mediaKeys.vodFile(video, 'master.m3u8');
      await storage.write(master, Readable.from([bytes('#EXTM3U\n'), bytes('#EXT-X-VERSION:3\n')]));
      expect(await drain(await storage.read(master))).toBe('#EXTM3U\n#EXT-X-VERSION:3\n');

      // A new content gets a new etag, even of the same size.
      await storage.write(poster, bytes('POSTER BYTES'));
      expect((await storage.stat(poster))?.etag).not.toBe(stat?.etag);
      expect(await drain(await storage.read(poster))).toBe('POSTER BYTES');
    });

    it('reads byte ranges: closed, open-ended, clamped; refuses one that starts past the end', async () => {
      const key = mediaKeys.liveFile(playbackId(), 'stream_0/seg_000001.ts');
      await storage.write(key, bytes('0123456789'));
      const closed = await storage.read(key, { range: { start: 2, end: 5 } });
      expect(closed?.range).toEqual({ start: 2, end: 5 });
      expect(closed?.stat.size).toBe(10);
      expect(await drain(closed)).toBe('2345');
      expect(await drain(await storage.read(key, { range: { start: 7 } }))).toBe('789');
      const clamped = await storage.read(key, { range: { start: 8, end: 100 } });
      expect(clamped?.range).toEqual({ start: 8, end: 9 });
      expect(await drain(clamped)).toBe('89');
      await expect(storage.read(key, { range: { start: 10 } })).rejects.toBeInstanceOf(
        MediaRangeNotSatisfiableError,
      );
      const empty = mediaKeys.liveFile(playbackId(), 'empty.m3u8');
      await storage.write(empty, new Uint8Array());
      const whole = await storage.read(empty);
      expect(whole?.stat.size).toBe(0);
      expect(await drain(whole)).toBe('');
    });

    it('answers undefined for missing keys and deletes them without error', async () => {
      const key = mediaKeys.vodPoster(randomUUID());
      expect(await storage.stat(key)).toBeUndefined();
      expect(await storage.read(key)).toBeUndefined();
      expect(await storage.read(key, { range: { start: 0, end: 1 } })).toBeUndefined();
      await storage.delete(key);
      await storage.deletePrefix(mediaKeys.vodPrefix(randomUUID()));
      expect(await storage.list(mediaKeys.livePrefix(playbackId()))).toEqual([]);
    });

    it('lists by prefix at any depth, sorted, and deletes one object or a whole prefix', async () => {
      const id = playbackId();
      const other = playbackId();
      const prefix = mediaKeys.livePrefix(id);
      const names = ['master.m3u8', 'stream_0/seg_000001.ts', 'stream_0.m3u8', 'thumbnail.jpg'];
      for (const name of names) await storage.write(mediaKeys.liveFile(id, name), bytes(name));
      await storage.write(mediaKeys.liveFile(other, 'master.m3u8'), bytes('other'));

      const listed = await storage.list(prefix);
      expect(listed.map((e) => e.key)).toEqual(names.map((n) => `live/${id}/${n}`).sort());
      expect(listed.find((e) => e.key.endsWith('thumbnail.jpg'))?.size).toBe('thumbnail.jpg'.length);
      expect(await storage.listPrefixes(mediaKeys.liveRoot)).toEqual(expect.arrayContaining([id, other]));

      await storage.delete(mediaKeys.liveThumbnail(id));
      expect(await storage.stat(mediaKeys.liveThumbnail(id))).toBeUndefined();
      expect(await storage.list(prefix)).toHaveLength(3);

      await storage.deletePrefix(prefix);
      expect(await storage.list(prefix)).toEqual([]);
      expect(await storage.stat(mediaKeys.liveFile(id, 'stream_0/seg_000001.ts'))).toBeUndefined();
      expect(await storage.listPrefixes(mediaKeys.liveRoot)).not.toContain(id);
      // The neighbour whose id starts differently is untouched.
      expect(await drain(await storage.read(mediaKeys.liveFile(other, 'master.m3u8')))).toBe('other');
    });

    it('keeps one whole version when one key is written concurrently', async () => {
      const key = mediaKeys.avatar(randomBytes(16).toString('base64url'), 256);
      const versions = Array.from({ length: 16 }, (_, i) => `${i}:`.padEnd(64 * 1024, String(i % 10)));
      await Promise.all(versions.map((v) => storage.write(key, bytes(v))));
      const stored = await drain(await storage.read(key));
      expect(versions).toContain(stored);
      expect((await storage.list(mediaKeys.avatarPrefix)).filter((e) => e.key === key)).toHaveLength(1);
    });

    it('refuses keys outside the grammar: traversal, absolute paths, NUL, backslashes, hidden names', async () => {
      const hostile = [
        '../etc/passwd',
        'live/../../etc/passwd',
        'live/abcdefgh/../../../x',
        '/etc/passwd',
        'vod//x',
        'live/abcdefgh/a\\b',
        'live/abcdefgh/a\0b',
        'avatars/.hidden',
        'avatars/',
        'live',
        'elsewhere/file',
        `live/abcdefgh/${'x'.repeat(600)}`,
      ] as MediaKey[];
      for (const key of hostile) {
        await expect(storage.write(key, bytes('x')), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(storage.read(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(storage.stat(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(storage.delete(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      }
      for (const prefix of ['..', 'live/..', '/', '', 'live/a/b/c'] as MediaPrefix[]) {
        await expect(storage.deletePrefix(prefix), prefix).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(storage.list(prefix), prefix).rejects.toBeInstanceOf(InvalidMediaKeyError);
      }
      // The builders check their ids and names before any key exists.
      expect(() => mediaKeys.livePrefix('../../etc')).toThrow(InvalidMediaKeyError);
      expect(() => mediaKeys.liveFile(playbackId(), '../master.m3u8')).toThrow(InvalidMediaKeyError);
      expect(() => mediaKeys.liveFile(playbackId(), 'a/b/c.ts')).toThrow(InvalidMediaKeyError);
      expect(() => mediaKeys.vodPrefix('not-a-uuid')).toThrow(InvalidMediaKeyError);
      expect(() => mediaKeys.avatar('short', 64)).toThrow(InvalidMediaKeyError);
      expect(mediaKeys.avatarFile('../x-256.webp')).toBeUndefined();
    });

    it('hands out a local directory whose synced files become objects, loaded with existing ones', async () => {
      const video = randomUUID();
      const prefix = mediaKeys.vodPrefix(video);
      await storage.write(mediaKeys.vodSource(video), bytes('source'));
      const dir = await storage.localDirectory(prefix, { load: ['source'] });
      try {
        expect(await readFile(join(dir.path, 'source'), 'utf8')).toBe('source');
        await writeFile(join(dir.path, '720p-00000.ts'), 'segment');
        await writeFile(join(dir.path, 'master.m3u8'), '#EXTM3U\n');
        await writeFile(join(dir.path, '.scratch'), 'not an object');
        await dir.sync(['720p-00000.ts', 'master.m3u8']);
      } finally {
        await dir.release();
      }
      expect(await drain(await storage.read(mediaKeys.vodFile(video, 'master.m3u8')))).toBe('#EXTM3U\n');
      expect((await storage.list(prefix)).map((e) => e.key)).toEqual([
        `vod/${video}/720p-00000.ts`,
        `vod/${video}/master.m3u8`,
        `vod/${video}/source`,
      ]);
      const again = await storage.localDirectory(prefix);
      try {
        await expect(again.sync(['../escape'])).rejects.toBeInstanceOf(InvalidMediaKeyError);
      } finally {
        await again.release();
      }
    });

    it('resumes an upload from its durable offset and completes it into an object, repeatably', async () => {
      const video = randomUUID();
      const upload = mediaKeys.upload(video);
      await expect(storage.openUpload(upload, 0)).rejects.toBeInstanceOf(MediaNotFoundError);
      await storage.createUpload(upload);
      const first = await storage.openUpload(upload, 0);
      await first.append(bytes('hello '));
      await first.append(bytes('wor'));
      const durable = await first.close();
      expect(durable).toBeLessThanOrEqual(9);
      // A second writer resumes from the durable offset; bytes past it are written over.
      const second = await storage.openUpload(upload, durable);
      await second.append(bytes('hello world!'.slice(durable)));
      expect(await second.close()).toBeLessThanOrEqual(12);
      const target = mediaKeys.vodSource(video);
      await storage.completeUpload(upload, target);
      expect(await drain(await storage.read(target))).toBe('hello world!');
      await storage.completeUpload(upload, target);
      await expect(storage.openUpload(upload, 0)).rejects.toBeInstanceOf(MediaNotFoundError);
      await expect(
        storage.completeUpload(mediaKeys.upload(randomUUID()), mediaKeys.vodSource(randomUUID())),
      ).rejects.toBeInstanceOf(MediaNotFoundError);
    });

    it('gives no URL for media that must go through the gateway unless it can sign', async () => {
      const key = mediaKeys.vodPoster(randomUUID());
      await storage.write(key, bytes('x'));
      const signed = await storage.url(key, { kind: 'signed', expiresInSeconds: 60 });
      if (signed !== undefined) expect(signed).toMatch(/^https?:\/\//);
      await expect(storage.url('vod/../x' as MediaKey, { kind: 'public' })).rejects.toBeInstanceOf(
        InvalidMediaKeyError,
      );
    });
  });
}
