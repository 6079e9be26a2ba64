/**
 * Upload throughput to S3: the tus service's storage path (createUpload, append in 64 KiB request-body
 * chunks, a sync every 8 MiB as COMMIT_EVERY, close, completeUpload into the video's source) against a
 * direct multipart upload of the same bytes with the S3 client (5 MiB parts, one at a time).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Db } from '@streamhub/db/client';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { DbMultipartLedger } from '@streamhub/infra/media-storage/multipart-ledger.db';
import { createS3Client, MIN_PART_SIZE, S3MediaStorage } from '@streamhub/infra/media-storage/s3';
import type { TestS3Server } from '@streamhub/infra/media-storage/s3-testing';

export type UploadPath = 'tus-s3' | 'direct';
const CHUNK = 64 * 1024;
const SYNC_EVERY = 8 * 1024 * 1024;

export const uploadPayload = (mib: number) => randomBytes(mib * 1024 * 1024);

/** MiB per second for one upload of `payload`. */
export async function uploadMiBps(
  path: UploadPath,
  payload: Buffer,
  s3: TestS3Server,
  db: Db,
): Promise<number> {
  const client = createS3Client(s3.settings);
  const started = performance.now();
  if (path === 'tus-s3') {
    const storage = new S3MediaStorage({
      client,
      bucket: s3.bucket,
      prefix: 'upload-bench',
      ledger: new DbMultipartLedger(db),
    });
    const video = randomUUID();
    const key = mediaKeys.upload(video);
    await storage.createUpload(key, { target: mediaKeys.vodSource(video) });
    const writer = await storage.openUpload(key, 0);
    let unsynced = 0;
    for (let offset = 0; offset < payload.length; offset += CHUNK) {
      const chunk = payload.subarray(offset, offset + CHUNK);
      await writer.append(chunk);
      unsynced += chunk.length;
      if (unsynced >= SYNC_EVERY) {
        await writer.sync();
        unsynced = 0;
      }
    }
    await writer.close();
    await storage.completeUpload(key, mediaKeys.vodSource(video));
  } else {
    const Key = `upload-bench/direct/${randomUUID()}`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key }));
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    for (let offset = 0, number = 1; offset < payload.length; offset += MIN_PART_SIZE, number++) {
      const Body = payload.subarray(offset, offset + MIN_PART_SIZE);
      const out = await client.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key,
          UploadId,
          PartNumber: number,
          Body,
          ContentLength: Body.length,
        }),
      );
      parts.push({ PartNumber: number, ETag: out.ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }
  return payload.length / 1024 / 1024 / ((performance.now() - started) / 1000);
}
