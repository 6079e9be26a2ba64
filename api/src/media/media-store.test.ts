import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSafeMediaName, MediaStore } from './media-store.ts';

describe('MediaStore', () => {
  let dataDir: string;
  let store: MediaStore;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-'));
    store = new MediaStore(dataDir);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('writes, reads and removes files under <dataDir>/media/<collection>', async () => {
    await store.write('avatars', 'abc-256.webp', Buffer.from('one'));
    expect(await readFile(join(dataDir, 'media', 'avatars', 'abc-256.webp'), 'utf8')).toBe('one');
    expect((await store.read('avatars', 'abc-256.webp'))?.toString()).toBe('one');

    await store.write('avatars', 'abc-256.webp', Buffer.from('two'));
    expect((await store.read('avatars', 'abc-256.webp'))?.toString()).toBe('two');
    // No temporary files are left behind.
    expect(await readdir(join(dataDir, 'media', 'avatars'))).toEqual(['abc-256.webp']);

    await store.remove('avatars', 'abc-256.webp');
    expect(await store.read('avatars', 'abc-256.webp')).toBeUndefined();
    await expect(store.remove('avatars', 'abc-256.webp')).resolves.toBeUndefined();
  });

  it('never reads outside its directory', async () => {
    await writeFile(join(dataDir, 'secret.txt'), 'secret');
    for (const name of ['../../secret.txt', '..', '.', '.hidden', 'a/b.webp', 'a\\b.webp', '%2e%2e', '']) {
      expect(isSafeMediaName(name), name).toBe(false);
      expect(await store.read('avatars', name)).toBeUndefined();
    }
    await expect(store.write('avatars', '../escape.webp', Buffer.from('x'))).rejects.toThrow(RangeError);
    await expect(store.remove('avatars', '../../secret.txt')).rejects.toThrow(RangeError);
    expect(await readFile(join(dataDir, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('takes base64url names, which may start with - or _', async () => {
    for (const name of ['-Ab_9-256.webp', '_x-64.webp']) {
      expect(isSafeMediaName(name), name).toBe(true);
      await store.write('avatars', name, Buffer.from(name));
      expect((await store.read('avatars', name))?.toString()).toBe(name);
      await store.remove('avatars', name);
    }
  });

  it('answers undefined for a missing file in a missing directory', async () => {
    expect(await new MediaStore(join(dataDir, 'nowhere')).read('avatars', 'x-64.webp')).toBeUndefined();
  });
});
