import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Database } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStorage } from './factory.ts';
import { mediaKeys } from './keys.ts';
import { mediaStorageContract } from './media-storage.contract.ts';
import { DbMultipartLedger } from './multipart-ledger.db.ts';
import { readMediaBytes, type UploadWriter } from './port.ts';
import { createS3Client, MIN_PART_SIZE, S3MediaStorage } from './s3.ts';
import { startTestS3Server, type TestS3Server } from './s3-testing.ts';

let server: TestS3Server;
let database: Database;

beforeAll(async () => {
  [server, database] = await Promise.all([startTestS3Server(), createTestDatabase('pglite')]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), database?.close()]);
});

const open = (prefix = `t${randomUUID().slice(0, 8)}`) =>
  new S3MediaStorage({
    client: createS3Client(server.settings),
    bucket: server.bucket,
    prefix,
    ledger: new DbMultipartLedger(database.db),
  });

mediaStorageContract('s3 (s3rver)', {
  // Built from settings as every process builds it; each storage gets its own key prefix in the one
  // bucket, so runs never see each other's objects.
  open: async () => {
    const storage = createMediaStorage({
      dataDir: tmpdir(),
      storage: {
        kind: 's3',
        ...server.settings,
        bucket: server.bucket,
        prefix: `c${randomUUID().slice(0, 8)}`,
      },
      db: database.db,
    });
    expect(storage.kind).toBe('s3');
    return storage;
  },
  close: async (storage) => {
    for (const collection of ['live', 'vod', 'uploads', 'avatars'] as const) {
      await storage.deletePrefix(collection as Parameters<typeof storage.deletePrefix>[0]);
    }
  },
});

const pattern = (length: number) => {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7919) % 251;
  return bytes;
};

/** The upload tail objects stored under `prefix`, read from the bucket itself. */
async function tailObjects(prefix: string): Promise<string[]> {
  const page = await createS3Client(server.settings).send(
    new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${prefix}/.multipart/` }),
  );
  return (page.Contents ?? []).map((object) => object.Key ?? '');
}

async function deleteObjects(names: string[]): Promise<void> {
  const client = createS3Client(server.settings);
  for (const Key of names) await client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key }));
}

describe('S3MediaStorage', () => {
  it('resumes a multi-part upload on another instance (another gateway) from the ledger alone', async () => {
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const gatewayA = open(prefix);
    const gatewayB = open(prefix);
    const content = pattern(2 * MIN_PART_SIZE + 12345);

    // Told its target, as the tus service does: the multipart upload completes there, with no copy.
    await gatewayA.createUpload(upload, { target: mediaKeys.vodSource(video) });
    const first = await gatewayA.openUpload(upload, 0);
    const cut = MIN_PART_SIZE + 1000;
    await first.append(content.subarray(0, cut));
    // The end of a PATCH: the whole part is recorded and the tail below the part size stored.
    expect(await first.close()).toBe(cut);
    // A writer that dies without closing: what it appended after the last durable offset is lost.
    const dead = await gatewayA.openUpload(upload, cut);
    await dead.append(content.subarray(cut, cut + 500));

    const second = await gatewayB.openUpload(upload, cut);
    await second.append(content.subarray(cut));
    expect(await second.close()).toBe(content.length);
    // Nothing is visible at the target before the upload completes.
    expect(await gatewayA.stat(mediaKeys.vodSource(video))).toBeUndefined();
    await gatewayB.completeUpload(upload, mediaKeys.vodSource(video));

    const stored = await readMediaBytes(gatewayA, mediaKeys.vodSource(video));
    expect(stored?.equals(content)).toBe(true);
    // Nothing of the upload is left: not the ledger row, not the staged object, not the tails.
    expect(await new DbMultipartLedger(database.db).find(upload)).toBeUndefined();
    expect(await tailObjects(prefix)).toEqual([]);
    await expect(gatewayA.openUpload(upload, 0)).rejects.toThrow();
  });

  it('counts parts as durable once recorded, and stores the tail only when the upload stalls', async () => {
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const storage = open(prefix);
    const content = pattern(2 * MIN_PART_SIZE + 777);
    await storage.createUpload(upload);
    const writer = await storage.openUpload(upload, 0);
    await writer.append(content);
    // While parts travel or were just sent, a sync answers the recorded parts' end and stores no tail;
    // a sync that finds nothing sent since the last one stores the tail and answers every byte.
    const seen: number[] = [];
    const deadline = Date.now() + 20_000;
    while (seen.at(-1) !== content.length && Date.now() < deadline) {
      seen.push(await writer.sync());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen.at(-1)).toBe(content.length);
    for (const durable of seen.slice(0, -1)) expect([0, MIN_PART_SIZE, 2 * MIN_PART_SIZE]).toContain(durable);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await tailObjects(prefix)).toEqual([`${prefix}/.multipart/${upload}/${2 * MIN_PART_SIZE}`]);

    // Another gateway resumes from that durable offset with the tail object alone.
    const other = await open(prefix).openUpload(upload, content.length);
    expect(await other.close({ last: true })).toBe(content.length);
    await storage.completeUpload(upload, mediaKeys.vodSource(video));
    expect((await readMediaBytes(storage, mediaKeys.vodSource(video)))?.equals(content)).toBe(true);
  });

  it('sends the tail of the last PATCH as the final part, and keeps a stored tail in memory for the next', async () => {
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const storage = open(prefix);
    const content = pattern(MIN_PART_SIZE + 4321);
    const cut = 1234;
    await storage.createUpload(upload, { target: mediaKeys.vodSource(video) });
    const first = await storage.openUpload(upload, 0);
    await first.append(content.subarray(0, cut));
    expect(await first.close()).toBe(cut);
    // The tail object goes behind the storage's back: this instance still holds the tail it stored.
    expect(await tailObjects(prefix)).toHaveLength(1);
    await deleteObjects(await tailObjects(prefix));
    const second = await storage.openUpload(upload, cut);
    await second.append(content.subarray(cut));
    expect(await second.close({ last: true })).toBe(content.length);
    // The final part is short and recorded; no tail was stored for it.
    const parts = (await new DbMultipartLedger(database.db).find(upload))?.parts ?? [];
    expect(parts.map((part) => part.size)).toEqual([MIN_PART_SIZE, 4321]);
    expect(await tailObjects(prefix)).toEqual([]);
    await storage.completeUpload(upload, mediaKeys.vodSource(video));
    expect((await readMediaBytes(storage, mediaKeys.vodSource(video)))?.equals(content)).toBe(true);
  });

  it('cuts the parts of a writer told where its appends end so that one ends there: no tail is stored', async () => {
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const MiB = 1024 * 1024;
    const content = pattern(23 * MiB + 777);
    // Three PATCHes, each on another instance (another gateway, nothing held in memory).
    const patches = [
      { from: 0, to: 8 * MiB },
      { from: 8 * MiB, to: 20 * MiB },
      { from: 20 * MiB, to: content.length },
    ];
    await open(prefix).createUpload(upload, { target: mediaKeys.vodSource(video) });
    for (const { from, to } of patches) {
      const writer = await open(prefix).openUpload(upload, from, { end: to });
      for (let at = from; at < to; at += 64 * 1024) {
        await writer.append(content.subarray(at, Math.min(at + 64 * 1024, to)));
      }
      expect(await writer.close({ last: to === content.length })).toBe(to);
      expect(await tailObjects(prefix)).toEqual([]);
    }
    // 8 MiB as one part (5 + 3 would leave a tail); 12 as 5 + 7; the last PATCH's short final part.
    const parts = (await new DbMultipartLedger(database.db).find(upload))?.parts ?? [];
    expect(parts.map((part) => part.size)).toEqual([8 * MiB, 5 * MiB, 7 * MiB, 3 * MiB + 777]);
    await open(prefix).completeUpload(upload, mediaKeys.vodSource(video));
    expect((await readMediaBytes(open(prefix), mediaKeys.vodSource(video)))?.equals(content)).toBe(true);
  });

  it('resumes inside a part a dead writer uploaded past the committed offset', async () => {
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const storage = open();
    const content = Buffer.alloc(MIN_PART_SIZE + 100, 3);
    content.write('start', 0);
    content.write('end', content.length - 3);
    await storage.createUpload(upload);
    const first = await storage.openUpload(upload, 0);
    await first.append(content.subarray(0, 10));
    // Nothing was sent since the writer opened: a stalled upload, so the tail is stored.
    const committed = await first.sync();
    expect(committed).toBe(10);
    // The dead writer went on and filled a part, recorded in the ledger, that the service never committed.
    await first.append(Buffer.alloc(MIN_PART_SIZE, 9));
    expect(await first.close()).toBe(MIN_PART_SIZE + 10);
    const again = await storage.openUpload(upload, committed);
    await again.append(content.subarray(committed));
    await again.close();
    await storage.completeUpload(upload, mediaKeys.vodSource(video));
    expect((await readMediaBytes(storage, mediaKeys.vodSource(video)))?.equals(content)).toBe(true);
  });

  it('streams each part to the store while its bytes arrive, the short last part of the upload too', async () => {
    // A server of its own that notes each UploadPart as it begins (its headers), before its body is in.
    const begun: string[] = [];
    const store = await startTestS3Server('streamed', {
      onRequest: (request) => {
        const query = new URL(request.url ?? '/', 'http://store').searchParams;
        if (request.method === 'PUT' && query.has('partNumber')) begun.push(query.get('partNumber') ?? '');
      },
    });
    try {
      const storage = new S3MediaStorage({
        client: createS3Client(store.settings),
        bucket: store.bucket,
        ledger: new DbMultipartLedger(database.db),
      });
      const video = randomUUID();
      const upload = mediaKeys.upload(video);
      const MiB = 1024 * 1024;
      const content = pattern(13 * MiB + 321);
      await storage.createUpload(upload, { target: mediaKeys.vodSource(video) });
      /** Appends `[from, to)`, then waits until the store has begun part `part`, with the rest not sent. */
      const appendUntilBegun = async (writer: UploadWriter, from: number, to: number, part: string) => {
        await writer.append(content.subarray(from, to));
        const deadline = Date.now() + 20_000;
        while (!begun.includes(part) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(begun).toContain(part);
      };
      // A PATCH of 10 MiB as two parts of 5, then the last PATCH's 3 MiB as the short final part: each
      // is on its way to the store once its first megabyte has been appended.
      const first = await storage.openUpload(upload, 0, { end: 10 * MiB });
      await appendUntilBegun(first, 0, MiB, '1');
      await appendUntilBegun(first, MiB, 6 * MiB, '2');
      await first.append(content.subarray(6 * MiB, 10 * MiB));
      expect(await first.close()).toBe(10 * MiB);
      const last = await storage.openUpload(upload, 10 * MiB, { end: content.length, final: true });
      await appendUntilBegun(last, 10 * MiB, 11 * MiB, '3');
      await last.append(content.subarray(11 * MiB));
      expect(await last.close({ last: true })).toBe(content.length);
      expect(begun).toEqual(['1', '2', '3']);
      const parts = (await new DbMultipartLedger(database.db).find(upload))?.parts ?? [];
      expect(parts.map((part) => part.size)).toEqual([5 * MiB, 5 * MiB, 3 * MiB + 321]);
      await storage.completeUpload(upload, mediaKeys.vodSource(video));
      expect((await readMediaBytes(storage, mediaKeys.vodSource(video)))?.equals(content)).toBe(true);
    } finally {
      await store.stop();
    }
  });

  it('completes again after a crash between the store completing the upload and the ledger forgetting it', async () => {
    const storage = open();
    const ledger = new DbMultipartLedger(database.db);
    const video = randomUUID();
    const upload = mediaKeys.upload(video);
    const target = mediaKeys.vodSource(video);
    const content = pattern(MIN_PART_SIZE + 4321);
    await storage.createUpload(upload, { target });
    const writer = await storage.openUpload(upload, 0);
    await writer.append(content);
    expect(await writer.close({ last: true })).toBe(content.length);
    const state = await ledger.find(upload);
    expect(state?.parts).toHaveLength(2);
    await storage.completeUpload(upload, target, { length: content.length });
    // The ledger as a gateway that died right after CompleteMultipartUpload left it: the store no longer
    // knows the multipart upload, and the retry finds the completed object instead.
    await ledger.begin(upload, state?.uploadId ?? '', state?.object ?? '');
    await ledger.recordParts(upload, state?.parts ?? []);
    await storage.completeUpload(upload, target, { length: content.length });
    expect((await readMediaBytes(storage, target))?.equals(content)).toBe(true);
    expect(await ledger.find(upload)).toBeUndefined();
  });

  it('completes an empty upload, and stores objects with their type and cache policy', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const storage = open(prefix);
    const video = randomUUID();
    await storage.createUpload(mediaKeys.upload(video));
    await storage.completeUpload(mediaKeys.upload(video), mediaKeys.vodSource(video));
    expect((await storage.stat(mediaKeys.vodSource(video)))?.size).toBe(0);

    const id = 'PlaybackId_123';
    const dir = await storage.localDirectory(mediaKeys.livePrefix(id));
    expect(dir.inPlace).toBe(false);
    await mkdir(join(dir.path, 'stream_0'));
    await writeFile(join(dir.path, 'stream_0', 'seg_000001.ts'), 'segment');
    await writeFile(join(dir.path, 'stream_0.m3u8'), '#EXTM3U\n');
    await dir.sync();
    await dir.release();
    const segment = await fetch(`${server.bucketUrl}/${prefix}/live/${id}/stream_0/seg_000001.ts`);
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    const playlist = await fetch(`${server.bucketUrl}/${prefix}/live/${id}/stream_0.m3u8`);
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves only what the gateway handed out as public from the public URL; private media never', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    // The CDN (or a bucket policy allowing anonymous reads) exposes <prefix>/public/ and nothing else.
    const publicBaseUrl = `${server.bucketUrl}/${prefix}/public`;
    const storage = new S3MediaStorage({
      client: createS3Client(server.settings),
      bucket: server.bucket,
      prefix,
      publicBaseUrl,
      ledger: new DbMultipartLedger(database.db),
    });
    const privateVideo = randomUUID();
    const publicVideo = randomUUID();
    for (const video of [privateVideo, publicVideo]) {
      await storage.write(mediaKeys.vodFile(video, '720p-00000.ts'), Buffer.from(`segment of ${video}`));
      await storage.write(mediaKeys.vodFile(video, 'master.m3u8'), Buffer.from('#EXTM3U\n'));
    }
    const segment = (video: string) => mediaKeys.vodFile(video, '720p-00000.ts');

    // The gateway serves a private video with a token: no URL, so it streams from the bucket itself.
    expect(
      await storage.url(segment(privateVideo), { kind: 'signed', expiresInSeconds: 60 }),
    ).toBeUndefined();
    expect((await fetch(`${publicBaseUrl}/${segment(privateVideo)}`)).status).toBe(404);

    // A public video's segment is published on first use and then fetched from the public URL.
    const url = await storage.url(segment(publicVideo), { kind: 'public' });
    expect(url).toBe(`${publicBaseUrl}/${segment(publicVideo)}`);
    const fetched = await fetch(url as string);
    expect(await fetched.text()).toBe(`segment of ${publicVideo}`);
    expect(fetched.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Playlists are rewritten in place: they stay with the gateway rather than go stale on a CDN.
    expect(
      await storage.url(mediaKeys.vodFile(publicVideo, 'master.m3u8'), { kind: 'public' }),
    ).toBeUndefined();
    expect(await storage.url(mediaKeys.vodSource(publicVideo), { kind: 'public' })).toBeUndefined();

    // Made private: withdrawn from the public URL.
    await storage.unpublish(mediaKeys.vodPrefix(publicVideo));
    expect((await fetch(url as string)).status).toBe(404);

    // Rewritten: published again from the new content. Deleted: gone from the public URL too.
    await storage.write(segment(publicVideo), Buffer.from('new content'));
    expect(
      await (await fetch((await storage.url(segment(publicVideo), { kind: 'public' })) as string)).text(),
    ).toBe('new content');
    await storage.deletePrefix(mediaKeys.vodPrefix(publicVideo));
    expect((await fetch(`${publicBaseUrl}/${segment(publicVideo)}`)).status).toBe(404);
    expect(await storage.url(segment(publicVideo), { kind: 'public' })).toBeUndefined();
  });

  it('hands private media out as presigned URLs that work until they expire (MEDIA_PRIVATE_DELIVERY=signed)', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const publicBaseUrl = `${server.bucketUrl}/${prefix}/public`;
    // Built from settings as every process builds it.
    const storage = createMediaStorage({
      dataDir: tmpdir(),
      storage: {
        kind: 's3',
        ...server.settings,
        bucket: server.bucket,
        prefix,
        publicBaseUrl,
        privateDelivery: { kind: 'signed', endpoint: server.endpoint },
      },
      db: database.db,
    });
    const video = randomUUID();
    const segment = mediaKeys.vodFile(video, '720p-00000.ts');
    await storage.write(segment, Buffer.from('private segment'));
    await storage.write(mediaKeys.vodFile(video, '720p.m3u8'), Buffer.from('#EXTM3U\n720p-00000.ts\n'));
    await storage.write(mediaKeys.vodFile(video, 'storyboard.vtt'), Buffer.from('WEBVTT\n'));

    // Never at the public URL: nothing private is ever copied under public/.
    expect((await fetch(`${publicBaseUrl}/${segment}`)).status).toBe(404);

    const signed = await storage.url(segment, { kind: 'signed', expiresInSeconds: 2 });
    const url = new URL(signed as string);
    expect(url.origin + url.pathname).toBe(`${server.bucketUrl}/${prefix}/${segment}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('2');
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('private segment');
    expect(fetched.headers.get('content-type')).toBe('video/mp2t');
    // Still not published by being signed.
    expect((await fetch(`${publicBaseUrl}/${segment}`)).status).toBe(404);

    // X-Amz-Date has whole seconds: past 3 s the 2 s URL has expired whatever the sub-second start.
    await new Promise((resolve) => setTimeout(resolve, 3100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');

    // Files naming others by relative URL, sources and uploads are never signed: the gateway streams them.
    for (const key of [
      mediaKeys.vodFile(video, '720p.m3u8'),
      mediaKeys.vodFile(video, 'storyboard.vtt'),
      mediaKeys.vodSource(video),
      mediaKeys.upload(video),
    ]) {
      expect(await storage.url(key, { kind: 'signed', expiresInSeconds: 60 }), key).toBeUndefined();
    }
    // The storyboard's WebVTT is not published either: its relative image name would miss the copy.
    expect(await storage.url(mediaKeys.vodFile(video, 'storyboard.vtt'), { kind: 'public' })).toBeUndefined();
  });
});
