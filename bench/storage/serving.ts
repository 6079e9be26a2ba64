/**
 * HLS segments per second: the gateway's media-serving path on Bun and on Node reading the filesystem, S3
 * (s3rver), and S3 through the hot-segment cache, against Debian's nginx serving the same file from disk
 * (one worker, like the one gateway process), each loaded by autocannon for the same time. The server's
 * CPU time per request is read from /proc (its own process and children) around the measured seconds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '@streamhub/db/client';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import autocannon from 'autocannon';

export type Runtime = 'bun' | 'node';
export type Source = 'fs' | 's3' | 's3-cached';
export type Server = 'nginx' | `${Runtime}-${Source}`;
export const GATEWAY_SERVERS: Server[] = [
  'bun-fs',
  'bun-s3',
  'bun-s3-cached',
  'node-fs',
  'node-s3',
  'node-s3-cached',
];
const PLAYBACK_ID = 'BenchPlayback01';
const SEGMENT = 'seg_000001.ts';
/** About one second of 360p video. */
const SEGMENT_BYTES = 188 * 1000;

export interface ServingSetup {
  dataDir: string;
  prefix: string;
  stop(): Promise<void>;
}

/** The same segment on disk (under the data directory's media) and in the bucket. */
export async function prepareServing(s3: TestS3Server, db: Db): Promise<ServingSetup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-bench-serve-'));
  // nginx's worker runs as an unprivileged user: the directory must be readable by others.
  await chmod(dataDir, 0o755);
  const prefix = `serve-${Date.now()}`;
  const bytes = randomBytes(SEGMENT_BYTES);
  const key = mediaKeys.liveFile(PLAYBACK_ID, SEGMENT);
  await createMediaStorage({ dataDir }).write(key, bytes);
  await createMediaStorage({
    dataDir,
    storage: { kind: 's3', ...s3.settings, bucket: s3.bucket, prefix },
    db,
  }).write(key, bytes);
  return { dataDir, prefix, stop: () => rm(dataDir, { recursive: true, force: true }) };
}

async function startServer(server: Server, setup: ServingSetup, s3: TestS3Server) {
  const port = await freePort();
  let child: ChildProcess;
  if (server === 'nginx') {
    const conf = join(setup.dataDir, 'nginx.conf');
    await mkdir(join(setup.dataDir, 'nginx'), { recursive: true });
    await writeFile(
      conf,
      `daemon off; worker_processes 1; pid ${setup.dataDir}/nginx/pid; error_log ${setup.dataDir}/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; client_body_temp_path ${setup.dataDir}/nginx;
  types { video/mp2t ts; }
  server { listen 127.0.0.1:${port}; location /hls/ { alias ${mediaPaths(setup.dataDir).collection('live')}/; } } }\n`,
    );
    child = spawn('nginx', ['-c', conf, '-p', `${setup.dataDir}/nginx`], { stdio: 'ignore' });
  } else {
    const settings = JSON.stringify({ ...s3.settings, bucket: s3.bucket, prefix: setup.prefix });
    const [runtime, ...source] = server.split('-');
    const args = ['bench/storage/serve-server.ts', source.join('-'), String(port), setup.dataDir, settings];
    child =
      runtime === 'bun'
        ? spawn('bun', args, { stdio: ['ignore', 'pipe', 'inherit'] })
        : spawn('node', ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}/hls/${PLAYBACK_ID}/${SEGMENT}`;
  // Long: the S3 server migrates an in-memory PGlite first, slow on a loaded machine.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(url).then(
      async (r) => r.ok && (await r.arrayBuffer()).byteLength === SEGMENT_BYTES,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${server} did not serve the segment`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop, pid: child.pid as number };
}

/** CPU seconds (user + system) used by a process and its live children (nginx's worker). */
async function cpuSeconds(pid: number): Promise<number> {
  const ticksOf = async (id: number) => {
    const fields = (await readFile(`/proc/${id}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat(5); the fields here start at field 3.
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  };
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(' ')
    .filter(Boolean)
    .map(Number);
  const ticks = await Promise.all([pid, ...children].map((id) => ticksOf(id).catch(() => 0)));
  return ticks.reduce((sum, t) => sum + t, 0) / 100;
}

/**
 * Requests per second one server answers over `seconds` (after a 1 s warm-up), 16 connections, and the
 * server's CPU milliseconds per request over the same seconds (nginx: master and worker).
 */
export async function segmentsPerSecond(
  server: Server,
  setup: ServingSetup,
  s3: TestS3Server,
  seconds: number,
): Promise<{ rate: number; cpuMsPerRequest: number }> {
  const running = await startServer(server, setup, s3);
  let stopped = false;
  try {
    await autocannon({ url: running.url, connections: 16, duration: 1 });
    const before = await cpuSeconds(running.pid);
    const result = await autocannon({ url: running.url, connections: 16, duration: seconds });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${server}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const after = await cpuSeconds(running.pid);
    stopped = true;
    await running.stop();
    const cpu = after - before;
    return { rate: result.requests.average, cpuMsPerRequest: (cpu * 1000) / result.requests.total };
  } finally {
    if (!stopped) await running.stop();
  }
}
