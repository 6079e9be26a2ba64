import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { HotCachedMediaStorage } from '@streamhub/infra/media-storage/hot-cache';
import { type MediaKey, mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaRead, MediaStorage } from '@streamhub/infra/media-storage/port';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMedia, requestedRange, sendMedia } from './media-response.ts';

let dataDir: string;
const key = mediaKeys.liveFile('ResponsePlay01', '360p/seg_000001.ts');
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-response-'));
  await new FilesystemMediaStorage({ dataDir }).write(key, Buffer.from('0123456789'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** The gateway's media path over `media`, remembering every read it opened. */
function appOver(media: MediaStorage) {
  const reads: MediaRead[] = [];
  const read = media.read.bind(media);
  media.read = async (k: MediaKey, options) => {
    const got = await read(k, options);
    if (got) reads.push(got);
    return got;
  };
  const app = new Hono().get('/seg', async (c) => {
    const answer = await answerMedia(media, key, { kind: 'public' }, requestedRange(c.req.header('Range')));
    if (!answer) return c.notFound();
    return sendMedia(c, answer, { contentType: 'video/mp2t', cacheControl: 'public, max-age=60' });
  });
  return { app, reads };
}

describe.each([
  ['the filesystem', () => new FilesystemMediaStorage({ dataDir })],
  [
    'the hot cache',
    () => new HotCachedMediaStorage(new FilesystemMediaStorage({ dataDir }), { maxBytes: 1024 }),
  ],
])('sendMedia over %s', (_name, open) => {
  it('sends the whole object, a range as 206, and 304 for a matching ETag', async () => {
    const { app } = appOver(open());
    const whole = await app.request('/seg');
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe('0123456789');
    expect(whole.headers.get('content-length')).toBe('10');
    const part = await app.request('/seg', { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const again = await app.request('/seg', {
      headers: { 'If-None-Match': whole.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('answers HEAD with the headers only and closes the read it opened (no stream left to the GC)', async () => {
    const { app, reads } = appOver(open());
    const head = await app.request('/seg', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(await head.text()).toBe('');
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read.body.destroyed).toBe(true);
  });
});
