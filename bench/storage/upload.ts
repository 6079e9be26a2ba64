/**
 * Upload throughput to S3: the tus service's storage path (createUpload, append in 64 KiB request-body
 * chunks, a sync every 8 MiB as COMMIT_EVERY, a `last` close, completeUpload into the video's source)
 * against a direct multipart upload of the same bytes with the S3 client (5 MiB parts, one at a time, and
 * two at a time as the tus writer sends them). Besides the rate, the CPU each path costs per MiB: the
 * uploading process (S3 client, and for tus the ledger on PGlite) and the store (s3rver, in its own
 * process), which hold whatever the machine's load does to the rate; and the requests each path sent the
 * store, by command, so a difference in what the store is asked to do shows in every run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Db } from '@streamhub/db/client';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { DbMultipartLedger } from '@streamhub/infra/media-storage/multipart-ledger.db';
import { createS3Client, MIN_PART_SIZE, S3MediaStorage } from '@streamhub/infra/media-storage/s3';
import { readProcStat } from '../live/proc.ts';
import type { S3Process } from './s3-process.ts';

export const UPLOAD_PATHS = ['tus-s3', 'direct', 'direct-2'] as const;
export type UploadPath = (typeof UPLOAD_PATHS)[number];
const CHUNK = 64 * 1024;
/** The tus service's COMMIT_EVERY.bytes (api/src/domains/videos/uploads.service.ts). */
const SYNC_EVERY = 8 * 1024 * 1024;

export const uploadPayload = (mib: number) => randomBytes(mib * 1024 * 1024);

export interface UploadResult {
  mibPerSecond: number;
  /** CPU milliseconds per MiB of the uploading process (user + system). */
  clientCpuMsPerMiB: number;
  /** CPU milliseconds per MiB of the store's process. */
  storeCpuMsPerMiB: number;
  /** The requests sent to the store: `UploadPart ×13 (64.0 MiB), …`. */
  requests: string;
}

/** Counts the requests `client` sends, by command, with the bytes of their bodies; `summary` lists them. */
function countRequests(client: S3Client): { summary(): string } {
  const counts = new Map<string, { count: number; bytes: number }>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const body = (args.input as { Body?: unknown }).Body;
      const entry = counts.get(name) ?? { count: 0, bytes: 0 };
      entry.count += 1;
      entry.bytes += body instanceof Uint8Array ? body.byteLength : 0;
      counts.set(name, entry);
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCount' },
  );
  return {
    summary: () =>
      [...counts]
        .map(([name, { count, bytes }]) =>
          bytes > 0 ? `${name} ×${count} (${(bytes / 1024 / 1024).toFixed(1)} MiB)` : `${name} ×${count}`,
        )
        .join(', '),
  };
}

/** One upload of `payload` along `path`: its rate and CPU per MiB. */
export async function upload(
  path: UploadPath,
  payload: Buffer,
  s3: S3Process,
  db: Db,
): Promise<UploadResult> {
  const client = createS3Client(s3.server.settings);
  const requests = countRequests(client);
  const bucket = s3.server.bucket;
  const storeBefore = readProcStat(s3.pid)?.cpu ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  if (path === 'tus-s3') {
    const storage = new S3MediaStorage({
      client,
      bucket,
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
    await writer.close({ last: true });
    await storage.completeUpload(key, mediaKeys.vodSource(video));
  } else {
    const Key = `upload-bench/direct/${randomUUID()}`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    const count = Math.ceil(payload.length / MIN_PART_SIZE);
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    const sendPart = async (number: number) => {
      const Body = payload.subarray((number - 1) * MIN_PART_SIZE, number * MIN_PART_SIZE);
      const out = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key,
          UploadId,
          PartNumber: number,
          Body,
          ContentLength: Body.length,
        }),
      );
      parts.push({ PartNumber: number, ETag: out.ETag });
    };
    let next = 1;
    const lane = async () => {
      while (next <= count) await sendPart(next++);
    };
    await Promise.all(Array.from({ length: path === 'direct' ? 1 : 2 }, lane));
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const storeCpu = (readProcStat(s3.pid)?.cpu ?? 0) - storeBefore;
  client.destroy();
  const mib = payload.length / 1024 / 1024;
  return {
    mibPerSecond: mib / seconds,
    clientCpuMsPerMiB: (cpu.user + cpu.system) / 1000 / mib,
    storeCpuMsPerMiB: (storeCpu * 1000) / mib,
    requests: requests.summary(),
  };
}
