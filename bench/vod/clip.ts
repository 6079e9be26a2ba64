/**
 * The source every setup transcodes: a generated 1080p30 clip (testsrc2 + a sine tone, x264 + AAC in
 * MP4, as a phone or an editor would upload it), made once per process and length, and deleted when
 * the process ends.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, removeNow, removeOnExit } from '../shared/cleanup.ts';

export const CLIP_WIDTH = 1920;
export const CLIP_HEIGHT = 1080;
export const CLIP_FPS = 30;

const clips = new Map<number, Promise<string>>();
const clipDirs = new Set<string>();

/** Path of a `seconds`-long clip; generated on first use, then shared. */
export function benchClip(ffmpegPath: string, seconds: number): Promise<string> {
  let clip = clips.get(seconds);
  if (!clip) {
    clip = generateClip(ffmpegPath, seconds);
    clips.set(seconds, clip);
    // A failed generation is not kept: the next call tries again.
    clip.catch(() => clips.delete(seconds));
  }
  return clip;
}

/** The argv (after the binary) that writes the clip to `output`. */
export function clipArgs(seconds: number, output: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${CLIP_WIDTH}x${CLIP_HEIGHT}:rate=${CLIP_FPS}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    // A quick encode at an upload-like bitrate: the ladder's decode cost is that of a real 1080p upload.
    '-preset',
    'veryfast',
    '-b:v',
    '8000k',
    '-maxrate',
    '8000k',
    '-bufsize',
    '16000k',
    '-g',
    String(CLIP_FPS * 2),
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '160k',
    '-ac',
    '2',
    '-movflags',
    '+faststart',
    '-y',
    output,
  ];
}

async function generateClip(ffmpegPath: string, seconds: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-bench-vod-clip-'));
  removeOnExit(dir);
  clipDirs.add(dir);
  const output = join(dir, `clip-${seconds}s.mp4`);
  await runFfmpeg(ffmpegPath, clipArgs(seconds, output));
  return output;
}

/** Runs ffmpeg to exit 0 (killed if the bench ends first); rejects with the end of its stderr. */
export function runFfmpeg(ffmpegPath: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    killOnExit(child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`ffmpeg ${code === null ? `killed by ${signal}` : `exited ${code}`}: ${stderr.trim()}`),
        );
    });
  });
}

/**
 * Deletes every clip now. The exit hook does it too, but a test runner's worker may be ended without
 * an 'exit' event, so the test and the entry point call this when they are done.
 */
export function discardClips(): void {
  for (const dir of clipDirs) removeNow(dir);
  clipDirs.clear();
  clips.clear();
}
