/**
 * The two things measured, started the same way for every run:
 *
 * - `streamhub`: the media node in its own process (`node-process.ts`): RTMP ingest, publish gate,
 *   LiveTranscoder spawning the ladder ffmpeg, thumbnails. The ladder reads the stream back from
 *   node-media-server over RTMP.
 * - `ffmpeg`: the ladder command run by hand: exactly the arguments `buildLiveHlsInvocation` builds
 *   for the same source and settings, plus `-listen 1` so that ffmpeg itself is the RTMP server the
 *   publisher pushes to (the field notes' ceiling). It is started and listening before the publish.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@streamhub/infra/shared/free-port';
import {
  buildLiveHlsInvocation,
  MASTER_PLAYLIST,
  planRungs,
  type SourceInfo,
  toArgv,
  variantPlaylists,
} from '@streamhub/media-node/ffmpeg/ladder';
import { killOnExit } from '../shared/cleanup.ts';
import type { HlsOutput } from './hls-watcher.ts';
import { benchConfig } from './media-config.ts';
import { type NodeEvent, parseNodeEvent } from './node-events.ts';
import { isListening } from './proc.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type SetupName = 'streamhub' | 'streamhub-ll' | 'ffmpeg';

/** The setups that are StreamHub's media node (with a node process above the ladder). */
export const isMediaNode = (name: SetupName) => name !== 'ffmpeg';

export interface LadderProcess {
  pid: number;
  /** Epoch ms it was spawned. */
  spawnedAt: number;
}

export interface StartedSetup {
  name: SetupName;
  /** Where the publisher's relay forwards to. */
  rtmpPort: number;
  /** RTMP path the publisher publishes to, `live/<key>`. */
  streamPath: string;
  /** The output directory and variant names, once known (StreamHub: when the ladder starts). */
  output: Promise<HlsOutput & { source: SourceInfo }>;
  /** Root of the process tree whose CPU is this setup's. */
  cpuRootPid: number;
  ladder: Promise<LadderProcess>;
  /** Epoch ms of what the setup itself reports (StreamHub: the gate accepted; its own playable check). */
  milestones(): { acceptedAt?: number; nodePlayableAt?: number };
  /** Ladder ffmpeg processes started so far (more than one: it was restarted). */
  ladderAttempts(): number;
  /** Why the setup failed, if it did. */
  problem(): string | undefined;
  stop(): Promise<void>;
}

function watchStderr(child: ChildProcess): () => string {
  const lines: string[] = [];
  if (child.stderr)
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 30) lines.shift();
    });
  return () => lines.join('\n');
}

const exitOf = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface StreamhubSetupOptions {
  runDir: string;
  segmentSeconds: number;
  runtime: 'node' | 'bun';
  bunPath: string;
  /** LIVE_LL_HLS=true: the LL-HLS packager instead of ffmpeg's hls muxer. */
  lowLatency?: boolean;
}

export async function startStreamhub(options: StreamhubSetupOptions): Promise<StartedSetup> {
  const dataDir = join(options.runDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(18).toString('base64url');
  const config = benchConfig({ dataDir, segmentSeconds: options.segmentSeconds });
  const script = join(REPO_ROOT, 'bench/live/node-process.ts');
  const args = ['--data-dir', dataDir, `--key=${key}`, '--segment-seconds', String(options.segmentSeconds)];
  if (options.lowLatency) args.push('--low-latency');
  const [command, argv] =
    options.runtime === 'bun'
      ? [options.bunPath, [script, ...args]]
      : [process.execPath, ['--import', 'tsx', script, ...args]];
  const child = spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  const stderr = watchStderr(child);

  const events: NodeEvent[] = [];
  let failure: string | undefined;
  const waiters = new Set<() => void>();
  const next = <T>(pick: (e: NodeEvent) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        for (const e of events) {
          const value = pick(e);
          if (value !== undefined) {
            waiters.delete(check);
            resolve(value);
            return;
          }
        }
        if (failure !== undefined) {
          waiters.delete(check);
          reject(new Error(failure));
        }
      };
      waiters.add(check);
      check();
    });
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  if (child.stdout)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = parseNodeEvent(line);
      if (!event) return;
      events.push(event);
      if (event.event === 'transcoderFailed') failure = `ladder ffmpeg failed: ${event.reason}`;
      wake();
    });
  child.once('exit', (code, signal) => {
    failure ??= `media node process exited (code ${code}, signal ${signal}): ${stderr()}`;
    wake();
  });

  const ready = await withTimeout(
    next((e) => (e.event === 'ready' ? e : undefined)),
    60_000,
    'the media node process to start',
  );
  const ladder = next((e) =>
    e.event === 'transcoderStarted' && e.pid !== undefined ? { pid: e.pid, spawnedAt: e.at } : undefined,
  );
  const output = Promise.all([
    next((e) => (e.event === 'sessionStarted' ? e.playbackId : undefined)),
    next((e) => (e.event === 'transcoderStarted' ? e.source : undefined)),
  ]).then(([playbackId, source]) => ({
    dir: join(ready.liveDir, playbackId),
    variants: variantPlaylists(planRungs(source, config.media.ladder)),
    master: MASTER_PLAYLIST,
    source,
  }));
  // Unobserved rejections would crash the orchestrator when a run fails early.
  ladder.catch(() => undefined);
  output.catch(() => undefined);

  return {
    name: options.lowLatency ? 'streamhub-ll' : 'streamhub',
    rtmpPort: ready.rtmpPort,
    streamPath: `live/${key}`,
    output,
    cpuRootPid: ready.pid,
    ladder,
    milestones: () => ({
      acceptedAt: events.find((e) => e.event === 'sessionStarted')?.at,
      nodePlayableAt: events.find((e) => e.event === 'playable')?.at,
    }),
    ladderAttempts: () => events.filter((e) => e.event === 'transcoderStarted').length,
    problem: () => failure,
    stop: () => stopChild(child, 10_000),
  };
}

export interface FfmpegSetupOptions {
  runDir: string;
  segmentSeconds: number;
  ffmpegPath: string;
  source: SourceInfo;
}

/** The argv of the hand-run ladder: ladder.ts's invocation with `-listen 1` before its input. */
export function handRunLadderArgv(options: {
  port: number;
  outputDir: string;
  source: SourceInfo;
  segmentSeconds: number;
  dataDir: string;
}): string[] {
  const { media } = benchConfig({ dataDir: options.dataDir, segmentSeconds: options.segmentSeconds });
  const argv = toArgv(
    buildLiveHlsInvocation({
      input: `rtmp://127.0.0.1:${options.port}/live/bench`,
      outputDir: options.outputDir,
      source: options.source,
      settings: {
        ladder: media.ladder,
        segmentSeconds: media.segmentSeconds,
        windowSegments: media.windowSegments,
        x264Preset: media.x264Preset,
      },
      // What an accepted publish of a channel that does not record gets (the default).
      record: false,
      append: false,
    }),
  );
  const input = argv.indexOf('-i');
  return [...argv.slice(0, input), '-listen', '1', ...argv.slice(input)];
}

export async function startFfmpegBaseline(options: FfmpegSetupOptions): Promise<StartedSetup> {
  const outputDir = join(options.runDir, 'hls');
  await mkdir(outputDir, { recursive: true });
  const port = await freePort();
  const argv = handRunLadderArgv({
    port,
    outputDir,
    source: options.source,
    segmentSeconds: options.segmentSeconds,
    dataDir: options.runDir,
  });
  const spawnedAt = Date.now();
  const child = spawn(options.ffmpegPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child);
  const stderr = watchStderr(child);
  let failure: string | undefined;
  child.once('exit', (code, signal) => {
    failure ??= `plain ffmpeg exited (code ${code}, signal ${signal}): ${stderr()}`;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${options.ffmpegPath}`);
  // Connecting to test the port would be taken as the publisher: read the listening sockets instead.
  const deadline = Date.now() + 20_000;
  while (!isListening(port)) {
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error('plain ffmpeg did not listen within 20 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const rungs = planRungs(
    options.source,
    benchConfig({ dataDir: options.runDir, segmentSeconds: options.segmentSeconds }).media.ladder,
  );
  return {
    name: 'ffmpeg',
    rtmpPort: port,
    streamPath: 'live/bench',
    output: Promise.resolve({
      dir: outputDir,
      variants: variantPlaylists(rungs),
      master: MASTER_PLAYLIST,
      source: options.source,
    }),
    cpuRootPid: pid,
    ladder: Promise.resolve({ pid, spawnedAt }),
    milestones: () => ({}),
    ladderAttempts: () => 1,
    // Exiting once the publisher has gone is its normal end; before that it is a failure.
    problem: () => failure,
    // ffmpeg ends by itself when the publisher disconnects; SIGTERM if it lingers.
    stop: async () => {
      await Promise.race([exitOf(child), new Promise((r) => setTimeout(r, 5_000))]);
      await stopChild(child, 5_000);
    },
  };
}
