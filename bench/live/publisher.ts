/**
 * The synthetic streamer: 720p30 over RTMP encoded the way OBS does by default for a 720p30 stream
 * (x264 veryfast, CBR with filler, fixed keyframe interval, AAC 160 kbit/s stereo at 48 kHz).
 *
 * Two ways to push it:
 * - `live`: ffmpeg generates (`testsrc2`, a sine tone) and encodes while it pushes, paced with `-re`.
 *   On this 2-core machine that costs 0.3 (ultrafast) to 0.65 (veryfast) of a core, taken from the
 *   ladders being measured.
 * - `replay`: the same encode is done once into an FLV file before the runs, and each run pushes that
 *   file with `-re -c copy`: the same bitstream at about 0.02 of a core. It has no encoder start-up
 *   or delay, so the benchmark measures those once with a live encoder (`encoder-delay.ts`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';

export interface EncoderSettings {
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  /** Seconds between keyframes (OBS: "Keyframe Interval"; 2 s is what most platforms ask for). */
  keyframeSeconds: number;
  x264Preset: string;
  /** x264 tune, e.g. `zerolatency`; OBS sets none by default. */
  x264Tune?: string;
  audioKbps: number;
}

export const OBS_LIKE_ENCODER: EncoderSettings = {
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 3000,
  keyframeSeconds: 2,
  x264Preset: 'veryfast',
  audioKbps: 160,
};

const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostdin'];

function generatorInputs(s: EncoderSettings): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
  ];
}

function encoderArgs(s: EncoderSettings): string[] {
  const gop = String(Math.round(s.fps * s.keyframeSeconds));
  return [
    '-c:v',
    'libx264',
    '-preset',
    s.x264Preset,
    ...(s.x264Tune ? ['-tune', s.x264Tune] : []),
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${s.videoKbps}k`,
    '-maxrate',
    `${s.videoKbps}k`,
    '-bufsize',
    `${s.videoKbps}k`,
    '-x264-params',
    'nal-hrd=cbr',
    // A keyframe exactly every interval (no scene-cut keyframes), so a stream's keyframe times are known.
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    `${s.audioKbps}k`,
    '-ac',
    '2',
    '-ar',
    '48000',
  ];
}

/** Generates, encodes and pushes in real time until stopped. */
export const liveArgs = (s: EncoderSettings, url: string): string[] => [
  ...QUIET,
  '-re',
  ...generatorInputs(s),
  ...encoderArgs(s),
  '-f',
  'flv',
  url,
];

/** Pushes a prepared FLV file in real time, as it is. */
export const replayArgs = (file: string, url: string): string[] => [
  ...QUIET,
  '-re',
  '-i',
  file,
  '-c',
  'copy',
  '-f',
  'flv',
  url,
];

/** Encodes `seconds` of the stream into an FLV file (as fast as the machine can). */
export const replayFileArgs = (s: EncoderSettings, seconds: number, file: string): string[] => [
  ...QUIET,
  ...generatorInputs(s),
  '-t',
  String(seconds),
  ...encoderArgs(s),
  '-f',
  'flv',
  '-y',
  file,
];

export function encodeReplayFile(
  ffmpegPath: string,
  s: EncoderSettings,
  seconds: number,
  file: string,
): Promise<void> {
  const args = replayFileArgs(s, seconds, file);
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath, args, { timeout: 600_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`encoding the replay file failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/** How a run's publisher is started: the binary and its argv for a given RTMP URL. */
export interface PublisherPlan {
  ffmpegPath: string;
  args(url: string): string[];
}

export interface RunningPublisher {
  child: ChildProcess;
  pid: number;
  /** Epoch ms the process was spawned. */
  spawnedAt: number;
  exited: Promise<number | null>;
  stderr(): string;
  /** SIGTERM (ffmpeg ends the FLV stream cleanly), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function startPublisher(url: string, plan: PublisherPlan): RunningPublisher {
  const spawnedAt = Date.now();
  const child = spawn(plan.ffmpegPath, plan.args(url), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  if (child.pid === undefined) throw new Error(`cannot start the publisher (${plan.ffmpegPath})`);
  return {
    child,
    pid: child.pid,
    spawnedAt,
    exited,
    stderr: () => stderr,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
