/**
 * The gateway part of the LL-HLS benchmark: one gateway with the media node in-process (as `streamhub
 * dev` runs it) and LIVE_LL_HLS on, a synthetic 720p publisher, and `viewers` LL-HLS viewers in their own
 * process (`ll-viewer-client.ts`) holding blocking playlist reloads on the 360p rendition. Reports how many
 * requests the gateway held and answered, and how long after a part existed its playlist and its bytes
 * reached the viewers.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { startLiveGateway } from '../../api/src/web/browser-test-kit.ts';
import { REPO_ROOT } from './setups.ts';

export interface LlViewersResult {
  viewers: number;
  elapsedS: number;
  requests: number;
  requestsPerSecond: number;
  blockingReloadsPerSecond: number;
  heldMedian: number;
  heldMax: number;
  playlistDelayMs: { count: number; p50: number; p95: number; p99: number; max: number };
  partDelayMs: { count: number; p50: number; p95: number; p99: number; max: number };
  statuses: Record<string, number>;
  notListedYet: number;
  clientCpuS: number;
  /** CPU seconds per second of the gateway process (gateway + media node; the ladder ffmpeg is a child). */
  gatewayCpuPerSecond: number;
  /** The same process with the stream live and no viewers, measured just before them: the anchor. */
  idleCpuPerSecond: number;
  /**
   * The gateway's CPU per answered request (ms): the process's CPU with the viewers minus the no-viewer
   * anchor over the same time, divided by the requests answered. Independent of how much of the machine
   * the gateway got, unlike the delays, so comparable between loaded runs.
   */
  gatewayCpuMsPerRequest: number;
  /** CPU seconds per second of the viewers' process: whether the load generator competed for the cores. */
  clientCpuPerSecond: number;
  ladder: string;
}

const PASSWORD = 'bench password, long enough';
const LADDER = '720,360';

async function post(base: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function measureLlViewers(options: {
  viewers: number;
  seconds: number;
  segmentSeconds: number;
  log: (line: string) => void;
}): Promise<LlViewersResult> {
  const { base, gateway, rtmpPort, dataDir } = await startLiveGateway(
    [{ email: 'bench@example.test', username: 'benchll', password: PASSWORD }],
    {
      LIVE_LL_HLS: 'true',
      LIVE_SEGMENT_SECONDS: String(options.segmentSeconds),
      LIVE_LADDER: LADDER,
      LIVE_X264_PRESET: 'veryfast',
      // Every viewer comes from 127.0.0.1: the per-IP limit would otherwise be what is measured.
      RATE_LIMIT_MAX: '100000000',
    },
  );
  try {
    const token = TokenPairSchema.parse(
      await post(base, '/api/v1/auth/login', { email: 'bench@example.test', password: PASSWORD }),
    ).accessToken;
    await post(base, '/api/v1/channels', { slug: 'bench-ll', title: 'LL bench' }, token);
    const key = CreatedStreamKeySchema.parse(
      await post(base, '/api/v1/channels/bench-ll/keys', { name: 'bench' }, token),
    );
    startPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`, options.seconds + 60, '1280x720');

    const deadline = Date.now() + 30_000;
    let playbackId: string | undefined;
    while (!playbackId) {
      if (Date.now() > deadline) throw new Error('the bench channel did not go live within 30 s');
      const channel = (await (await fetch(`${base}/api/v1/channels/bench-ll`)).json()) as {
        session?: { playbackUrl?: string } | null;
      };
      playbackId = /\/hls\/([^/]+)\//.exec(channel.session?.playbackUrl ?? '')?.[1];
      if (!playbackId) await new Promise((r) => setTimeout(r, 100));
    }
    const playlistFile = join(mediaPaths(dataDir).live(playbackId), '360p.m3u8');
    while (!(await readFile(playlistFile, 'utf8').catch(() => '')).includes('#EXT-X-PART:')) {
      if (Date.now() > deadline) throw new Error('no LL-HLS part within 30 s of the publish');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Settle: the ladder's start-up is not what is measured. The last 3 s of it are the no-viewer anchor.
    await new Promise((r) => setTimeout(r, 2000));
    const idleBefore = process.cpuUsage();
    const idleStartedAt = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const idle = process.cpuUsage(idleBefore);
    const idleCpuPerSecond = (idle.user + idle.system) / 1e6 / ((performance.now() - idleStartedAt) / 1000);
    options.log(
      `LL viewers: ${options.viewers} viewers for ${options.seconds} s on ${base}/hls/${playbackId}/360p.m3u8`,
    );

    const cpuBefore = process.cpuUsage();
    const startedAt = Date.now();
    const client = spawn(
      process.execPath,
      [
        ...(process.versions.bun ? [] : ['--import', 'tsx']),
        join(REPO_ROOT, 'bench/live/ll-viewer-client.ts'),
        ...['--base', base, '--path', `/hls/${playbackId}/360p.m3u8`, '--playlist-file', playlistFile],
        ...['--viewers', String(options.viewers), '--seconds', String(options.seconds)],
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Bun's fetch runs at most 256 requests at once by default and queues the rest in the client: with
        // 1,000 blocking reloads held, the viewers' part requests waited there, and the gateway was blamed.
        env: {
          ...process.env,
          BUN_CONFIG_MAX_HTTP_REQUESTS: String(Math.min(65_535, options.viewers * 2 + 64)),
        },
      },
    );
    let stdout = '';
    let stderr = '';
    client.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    client.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => client.once('exit', resolve));
    const cpu = process.cpuUsage(cpuBefore);
    const wallS = (Date.now() - startedAt) / 1000;
    if (code !== 0) throw new Error(`the LL viewer client failed (${code}): ${stderr.slice(-2000)}`);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<
      LlViewersResult,
      'gatewayCpuPerSecond' | 'idleCpuPerSecond' | 'gatewayCpuMsPerRequest' | 'clientCpuPerSecond' | 'ladder'
    >;
    const gatewayCpuPerSecond = (cpu.user + cpu.system) / 1e6 / wallS;
    return {
      ...result,
      gatewayCpuPerSecond,
      idleCpuPerSecond,
      gatewayCpuMsPerRequest: ((gatewayCpuPerSecond - idleCpuPerSecond) * wallS * 1000) / result.requests,
      clientCpuPerSecond: result.clientCpuS / result.elapsedS,
      ladder: LADDER,
    };
  } finally {
    killPublishers();
    await gateway.close();
  }
}
