import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemMediaStorage, filesystemMediaPath } from './filesystem.ts';
import { type MediaKey, mediaKeys } from './keys.ts';
import { mediaStorageContract } from './media-storage.contract.ts';

const roots = new Map<object, string>();

mediaStorageContract('filesystem', {
  open: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-'));
    const storage = new FilesystemMediaStorage({ dataDir });
    roots.set(storage, dataDir);
    return storage;
  },
  close: async (storage) => {
    await rm(roots.get(storage) ?? '/nonexistent', { recursive: true, force: true });
  },
});

describe('FilesystemMediaStorage', () => {
  it('keeps the layout existing data directories have: <dataDir>/media/<key>', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-'));
    try {
      // Written the way earlier versions did, read through the port.
      await mkdir(join(dataDir, 'media', 'live', 'abcdefgh12', 'stream_0'), { recursive: true });
      await writeFile(join(dataDir, 'media', 'live', 'abcdefgh12', 'stream_0', 'seg_000001.ts'), 'old');
      const storage = new FilesystemMediaStorage({ dataDir });
      const key = mediaKeys.liveFile('abcdefgh12', 'stream_0/seg_000001.ts');
      expect((await storage.stat(key))?.size).toBe(3);
      const video = randomUUID();
      await storage.write(mediaKeys.vodPoster(video), Buffer.from('p'));
      expect(await readFile(join(dataDir, 'media', 'vod', video, 'poster.jpg'), 'utf8')).toBe('p');
      expect(filesystemMediaPath(dataDir, mediaKeys.upload(video))).toBe(
        join(dataDir, 'media', 'uploads', video),
      );
      // Hidden files (scratch, half-written) are never listed as objects.
      await writeFile(join(dataDir, 'media', 'vod', video, '.partial.tmp'), 'x');
      expect((await storage.list(mediaKeys.vodPrefix(video))).map((e) => e.key)).toEqual([
        `vod/${video}/poster.jpg`,
      ]);
      // Video ids are stored lower-case whatever case they arrive in.
      expect(mediaKeys.vodPrefix(video.toUpperCase())).toBe(`vod/${video}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('hands out the final directory itself: files are objects without a sync', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-'));
    try {
      const storage = new FilesystemMediaStorage({ dataDir });
      const id = 'PlaybackId_123';
      const dir = await storage.localDirectory(mediaKeys.livePrefix(id));
      expect(dir.inPlace).toBe(true);
      expect(dir.path).toBe(join(dataDir, 'media', 'live', id));
      await writeFile(join(dir.path, 'master.m3u8'), '#EXTM3U\n');
      expect((await storage.stat(mediaKeys.recordingMaster(id)))?.size).toBe(8);
      await dir.release();
      expect(existsSync(dir.path)).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('gives a public URL under its base URL only for public access', async () => {
    const storage = new FilesystemMediaStorage({
      dataDir: '/nonexistent',
      publicBaseUrl: 'https://cdn.test/m/',
    });
    const key = mediaKeys.vodPoster(randomUUID());
    expect(await storage.url(key, { kind: 'public' })).toBe(`https://cdn.test/m/${key}`);
    expect(await storage.url(key, { kind: 'signed', expiresInSeconds: 60 })).toBeUndefined();
    const plain = new FilesystemMediaStorage({ dataDir: '/nonexistent' });
    expect(await plain.url(key, { kind: 'public' })).toBeUndefined();
    expect(() => filesystemMediaPath('/d', '../x' as MediaKey)).toThrow();
  });
});
