/**
 * s3rver in a process of its own, for the upload measure: the uploader's CPU and the store's are then
 * read apart. Counts the requests it answers by S3 command (whoever sent them: the bench's client, the
 * gateway, ffprobe by presigned URL). Prints the server's settings as one JSON line on stdout; stops on
 * SIGTERM.
 *
 *   node --import tsx bench/storage/s3-process.ts <bucket>
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';

export interface ChildProcess<T> {
  /** What the child printed as its first line, parsed as JSON. */
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `script` on Node with tsx (after `nodeOptions`, e.g. `--cpu-prof`) and waits for the JSON line it prints once it is ready. */
export async function startChildProcess<T>(
  script: string,
  args: string[],
  nodeOptions: string[] = [],
): Promise<ChildProcess<T>> {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  lines.close();
  return {
    ready: JSON.parse(first) as T,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface S3Process {
  /** `countsUrl`: where {@link takeStoreRequests} reads what the store answered. */
  server: Omit<TestS3Server, 'stop'> & { countsUrl: string };
  pid: number;
  stop(): Promise<void>;
}

/** Starts this file as a child process and waits for its settings. */
export async function startS3Process(bucket: string): Promise<S3Process> {
  const { ready, pid, stop } = await startChildProcess<S3Process['server']>(
    new URL(import.meta.url).pathname,
    [bucket],
  );
  return { server: ready, pid, stop };
}

/** Requests the store answered, by S3 command: how many, bytes received and bytes sent. */
export type StoreRequests = Record<string, { count: number; bytesIn: number; bytesOut: number }>;

/** The S3 command of a request, from its method, query and headers (the subset StreamHub sends). */
export function commandOf(method: string, url: URL, headers: IncomingHttpHeaders): string {
  const query = url.searchParams;
  const copy = headers['x-amz-copy-source'] !== undefined;
  const presigned = query.has('X-Amz-Signature') ? ' (presigned)' : '';
  // Path style: `/<bucket>` alone is the bucket, anything below it an object.
  const onBucket = url.pathname.replace(/^\/+|\/+$/g, '').split('/').length === 1;
  switch (method) {
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      if (query.has('delete')) return 'DeleteObjects';
      return 'POST';
    case 'PUT':
      if (query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
      return copy ? 'CopyObject' : 'PutObject';
    case 'GET':
      return onBucket ? 'ListObjectsV2' : `GetObject${headers.range ? ' ranged' : ''}${presigned}`;
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return method;
  }
}

/** What the store answered since the last call: read (and reset) by the benchmark between uploads. */
export async function takeStoreRequests(store: S3Process): Promise<StoreRequests> {
  const response = await fetch(store.server.countsUrl);
  return (await response.json()) as StoreRequests;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  let requests: StoreRequests = {};
  const server = await startTestS3Server(process.argv[2] ?? 'bench-upload', {
    onRequest: (request, response) => {
      const name = commandOf(
        request.method ?? 'GET',
        new URL(request.url ?? '/', 'http://s3'),
        request.headers,
      );
      const entry = requests[name] ?? { count: 0, bytesIn: 0, bytesOut: 0 };
      requests[name] = entry;
      entry.count += 1;
      entry.bytesIn += Number(request.headers['content-length'] ?? 0);
      // The socket's count covers streamed bodies too, and a GET its reader (ffprobe) broke off.
      const socket = response.socket;
      const before = socket?.bytesWritten ?? 0;
      response.once('close', () => {
        entry.bytesOut += (socket?.bytesWritten ?? before) - before;
      });
    },
  });
  // The counts on a port of their own: a GET answers them and starts new ones.
  const counts = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(requests));
    requests = {};
  });
  await new Promise<void>((resolve) => counts.listen(0, '127.0.0.1', resolve));
  const { stop, ...settings } = server;
  const countsUrl = `http://127.0.0.1:${(counts.address() as AddressInfo).port}/`;
  process.stdout.write(`${JSON.stringify({ ...settings, countsUrl })}\n`);
  process.once('SIGTERM', () => {
    counts.close();
    void stop().then(() => process.exit(0));
  });
}
