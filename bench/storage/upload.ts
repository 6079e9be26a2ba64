/**
 * Upload throughput to S3: a tus client's upload through the real gateway (its own process: the app on
 * Node's server, `UploadsService` with its repository and the S3 media storage) — a POST to create, then
 * PATCHes of `--tus-chunk-mib` each with `Upload-Offset`, as tus-js-client sends them with `chunkSize`
 * set, the last one answered once the source is in the bucket and ffprobe accepted it — against a direct
 * multipart upload of the same bytes with the S3 client (5 MiB parts, one at a time, and two at a time
 * as the tus writer sends them). Besides the rate, the CPU each path costs per MiB: the uploading process
 * (the gateway for tus, this process's S3 client for the direct paths) and the store (s3rver, in its own
 * process), which hold whatever the machine's load does to the rate; and the requests the store answered
 * along each path (the gateway's and ffprobe's for tus), by command, with their bytes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { encodeUploadMetadata } from '@streamhub/api/domains/videos/tus';
import { createS3Client, MIN_PART_SIZE } from '@streamhub/infra/media-storage/s3';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { readProcStat } from '../live/proc.ts';
import { type ChildProcess, type S3Process, type StoreRequests, takeStoreRequests } from './s3-process.ts';
import type { UploadGateway } from './upload-gateway.ts';

export const UPLOAD_PATHS = ['tus-s3', 'direct', 'direct-2'] as const;
export type UploadPath = (typeof UPLOAD_PATHS)[number];
const TUS = { 'Tus-Resumable': '1.0.0' };

/**
 * `mib` MiB that the gateway accepts as a video: a short MP4 clip, then random bytes. ffprobe reads the
 * MP4's boxes and stops at the rest in a fraction of a second (an MPEG-TS clip would have it scan all
 * 64 MiB for sync bytes, for seconds: a cost a real video does not have).
 */
export async function uploadPayload(mib: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-bench-payload-'));
  try {
    const clip = await readFile(
      await makeClip(join(dir, 'clip.mp4'), { seconds: 2, size: '320x180', rate: 15, audio: false }),
    );
    const size = mib * 1024 * 1024;
    return Buffer.concat([clip, randomBytes(Math.max(0, size - clip.length))], size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface UploadResult {
  mibPerSecond: number;
  /** CPU milliseconds per MiB of the uploading process (user + system): the gateway's for tus. */
  clientCpuMsPerMiB: number;
  /** CPU milliseconds per MiB of the store's process. */
  storeCpuMsPerMiB: number;
  /** The requests the store answered during the upload, by command, with their bodies' bytes. */
  requests: string;
  /** How many requests, and the bytes they sent the store and read from it. */
  requestCount: number;
  mibIn: number;
  mibOut: number;
}

/** `UploadPart ×13 (64.0 MiB in), GetObject ×1 (0.3 MiB out), …`: bodies of 0.1 MiB or more shown. */
function summarise(requests: StoreRequests): string {
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  return Object.entries(requests)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { count, bytesIn, bytesOut }]) => {
      const bodies = [
        ...(bytesIn >= 0.1 * 1024 * 1024 ? [`${mib(bytesIn)} MiB in`] : []),
        ...(bytesOut >= 0.1 * 1024 * 1024 ? [`${mib(bytesOut)} MiB out`] : []),
      ];
      return `${name} ×${count}${bodies.length > 0 ? ` (${bodies.join(', ')})` : ''}`;
    })
    .join(', ');
}

/** A tus client's upload of `payload`: a POST, then PATCHes of `chunkBytes` from each answered offset. */
async function tusUpload(gateway: UploadGateway, payload: Buffer, chunkBytes: number): Promise<void> {
  const headers = { ...TUS, Authorization: gateway.authorization };
  const created = await fetch(`${gateway.base}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      ...headers,
      'Upload-Length': String(payload.length),
      'Upload-Metadata': encodeUploadMetadata({ title: 'Upload bench', filename: 'bench.mp4' }),
    },
  });
  if (created.status !== 201) throw new Error(`tus POST: ${created.status} ${await created.text()}`);
  const url = new URL(created.headers.get('location') ?? '', gateway.base);
  let offset = 0;
  while (offset < payload.length) {
    const answer = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...headers,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(offset),
      },
      body: payload.subarray(offset, offset + chunkBytes),
    });
    if (answer.status !== 204)
      throw new Error(`tus PATCH at ${offset}: ${answer.status} ${await answer.text()}`);
    offset = Number(answer.headers.get('upload-offset'));
  }
}

/** Where the uploads go: the store, and the gateway in front of it for tus. */
export interface UploadTarget {
  store: S3Process;
  gateway: ChildProcess<UploadGateway>;
  tusChunkBytes: number;
}

/** One upload of `payload` along `path`: its rate and CPU per MiB. */
export async function upload(path: UploadPath, payload: Buffer, target: UploadTarget): Promise<UploadResult> {
  const { store, gateway } = target;
  const client = createS3Client(store.server.settings);
  await takeStoreRequests(store);
  const bucket = store.server.bucket;
  const storeBefore = readProcStat(store.pid)?.cpu ?? 0;
  const gatewayBefore = readProcStat(gateway.pid)?.cpu ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  if (path === 'tus-s3') {
    await tusUpload(gateway.ready, payload, target.tusChunkBytes);
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
  const own = process.cpuUsage(cpuBefore);
  const uploaderCpuMs =
    path === 'tus-s3'
      ? ((readProcStat(gateway.pid)?.cpu ?? 0) - gatewayBefore) * 1000
      : (own.user + own.system) / 1000;
  const storeCpu = (readProcStat(store.pid)?.cpu ?? 0) - storeBefore;
  const requests = await takeStoreRequests(store);
  client.destroy();
  const mib = payload.length / 1024 / 1024;
  return {
    mibPerSecond: mib / seconds,
    clientCpuMsPerMiB: uploaderCpuMs / mib,
    storeCpuMsPerMiB: (storeCpu * 1000) / mib,
    requests: summarise(requests),
    requestCount: Object.values(requests).reduce((sum, entry) => sum + entry.count, 0),
    mibIn: Object.values(requests).reduce((sum, entry) => sum + entry.bytesIn, 0) / 1024 / 1024,
    mibOut: Object.values(requests).reduce((sum, entry) => sum + entry.bytesOut, 0) / 1024 / 1024,
  };
}
