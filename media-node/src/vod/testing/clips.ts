/** Short generated media files (ffmpeg lavfi) for the VOD tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClipOptions {
  seconds: number;
  /** `WxH`; defaults to 640x360. */
  size?: string;
  rate?: number;
  /** Adds a 440 Hz tone as AAC; defaults to true. */
  audio?: boolean;
}

/** Writes a test-pattern clip (x264 ultrafast, AAC) to `file`; the container follows the extension. */
export async function makeClip(file: string, options: ClipOptions): Promise<string> {
  const { seconds, size = '640x360', rate = 30, audio = true } = options;
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=${rate}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...(audio ? ['-c:a', 'aac'] : []),
    '-y',
    file,
  ]);
  return file;
}

/** Writes an audio-only file (AAC in MP4) to `file`. */
export async function makeAudioOnly(file: string, seconds: number): Promise<string> {
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(seconds),
    '-c:a',
    'aac',
    '-y',
    file,
  ]);
  return file;
}
