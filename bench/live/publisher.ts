/**
 * The synthetic streamer: an ffmpeg pushing 720p30 over RTMP the way OBS does by default for a
 * 720p30 stream (x264 veryfast, CBR with filler, fixed keyframe interval, AAC 160 kbit/s stereo at
 * 48 kHz), paced in real time (`-re`), until it is stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface PublisherSettings {
  ffmpegPath: string;
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  /** Seconds between keyframes (OBS: "Keyframe Interval"; 2 s is what most platforms ask for). */
  keyframeSeconds: number;
  x264Preset: string;
  audioKbps: number;
}

export const DEFAULT_PUBLISHER: Omit<PublisherSettings, 'ffmpegPath'> = {
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 3000,
  keyframeSeconds: 2,
  x264Preset: 'veryfast',
  audioKbps: 160,
};

export function publisherArgs(url: string, s: PublisherSettings): string[] {
  const gop = String(Math.round(s.fps * s.keyframeSeconds));
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-c:v',
    'libx264',
    '-preset',
    s.x264Preset,
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
    '-f',
    'flv',
    url,
  ];
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

export function startPublisher(url: string, settings: PublisherSettings): RunningPublisher {
  const spawnedAt = Date.now();
  const child = spawn(settings.ffmpegPath, publisherArgs(url, settings), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  if (child.pid === undefined) throw new Error(`cannot start the publisher (${settings.ffmpegPath})`);
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
