/**
 * One media server of the serving benchmark, in its own process on Bun or on Node: the gateway's
 * media-serving path (`answerMedia` + `sendMedia`, as `/hls/…` answers) on Hono, reading from the
 * filesystem, from S3, or from S3 through the hot-segment cache the gateway puts in front of a bucket.
 *
 *   bun bench/storage/serve-server.ts <fs|s3|s3-cached> <port> <dataDir> [<s3 settings JSON>]
 *   node --import tsx bench/storage/serve-server.ts <fs|s3|s3-cached> <port> <dataDir> [<s3 settings JSON>]
 */
import { serve } from '@hono/node-server';
import { answerMedia, requestedRange, sendMedia } from '@streamhub/api/media/media-response';
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { HotCachedMediaStorage } from '@streamhub/infra/media-storage/hot-cache';
import { mediaKeys, tryKey } from '@streamhub/infra/media-storage/keys';
import { DbMultipartLedger } from '@streamhub/infra/media-storage/multipart-ledger.db';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { createS3Client, type S3ConnectionSettings, S3MediaStorage } from '@streamhub/infra/media-storage/s3';
import { Hono } from 'hono';

const [kind, port, dataDir, s3Json] = process.argv.slice(2);
if (!port || !dataDir || (kind !== 'fs' && kind !== 's3' && kind !== 's3-cached'))
  throw new Error('usage: <fs|s3|s3-cached> <port> <dataDir> [s3]');

async function storage(): Promise<MediaStorage> {
  if (kind === 'fs') return new FilesystemMediaStorage({ dataDir: dataDir as string });
  const s3 = JSON.parse(s3Json ?? '{}') as S3ConnectionSettings & { bucket: string; prefix: string };
  // The ledger is never used by reads, but the storage is built as every process builds it.
  const database = await openDatabase({ inMemory: true });
  await migrateDatabase(database);
  const bucket = new S3MediaStorage({
    client: createS3Client(s3),
    bucket: s3.bucket,
    prefix: s3.prefix,
    ledger: new DbMultipartLedger(database.db),
  });
  // As createMediaStorage builds it with the default MEDIA_HOT_CACHE_MB.
  return kind === 's3-cached' ? new HotCachedMediaStorage(bucket, { maxBytes: 64 * 1024 * 1024 }) : bucket;
}

const media = await storage();
const app = new Hono().get('/hls/:playbackId/:file', async (c) => {
  const key = tryKey(() => mediaKeys.liveFile(c.req.param('playbackId'), c.req.param('file')));
  const answer =
    key && (await answerMedia(media, key, { kind: 'public' }, requestedRange(c.req.header('Range'))));
  if (!answer) return c.notFound();
  return sendMedia(c, answer, {
    contentType: 'video/mp2t',
    cacheControl: 'public, max-age=31536000, immutable',
  });
});
if (process.versions.bun) Bun.serve({ hostname: '127.0.0.1', port: Number(port), fetch: app.fetch });
else serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(port) });
process.stdout.write('ready\n');
