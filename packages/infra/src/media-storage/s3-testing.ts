/**
 * A real S3-compatible server for tests: s3rver on 127.0.0.1, a free port, files in a temporary
 * directory, with one bucket. s3rver's fixed account is `S3RVER` / `S3RVER`; it serves objects to
 * anonymous GETs too, like a public bucket behind a CDN would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3ConnectionSettings } from './s3.ts';

export interface TestS3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  settings: S3ConnectionSettings;
  /** The bucket's own URL (path style), as a CDN origin would fetch it. */
  bucketUrl: string;
  stop(): Promise<void>;
}

/**
 * The CORS rule a browser player needs on the bucket (docs/storage.md, CORS for players): GET and HEAD
 * from `origin`, `Range` allowed, the length, range and validator headers exposed.
 */
export function playerCorsConfiguration(origin: string): string {
  return [
    '<CORSConfiguration><CORSRule>',
    `<AllowedOrigin>${origin}</AllowedOrigin>`,
    '<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>',
    '<AllowedHeader>Range</AllowedHeader>',
    '<ExposeHeader>Content-Length</ExposeHeader><ExposeHeader>Content-Range</ExposeHeader>',
    '<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds>',
    '</CORSRule></CORSConfiguration>',
  ].join('');
}

export async function startTestS3Server(
  bucket = 'streamhub-media',
  options: {
    cors?: string;
    /** Sees every request the server answers (a benchmark counts the requests each path sends). */
    onRequest?: (request: IncomingMessage, response: ServerResponse) => void;
  } = {},
): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'streamhub-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, ...(options.cors && { configs: [options.cors] }) }],
  });
  const { port } = await server.run();
  if (options.onRequest) server.httpServer.on('request', options.onRequest);
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    bucket,
    bucketUrl: `${endpoint}/${bucket}`,
    settings: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    stop: () => {
      // A request a test left open (a writer abandoned mid-part, as a crashed gateway leaves it) would
      // hold the close forever: drop it, as a crashed peer's socket would be.
      server.httpServer.closeAllConnections();
      stopped ??= server.close().finally(() => rm(directory, { recursive: true, force: true }));
      return stopped;
    },
  };
}
