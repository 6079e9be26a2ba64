/**
 * Chooses the ffmpeg binary once at start-up: `FFMPEG_PATH`, else `ffmpeg` on
 * PATH. The result (path, version line, source) goes into logs and status.
 */
import { execTool } from './spawn.ts';

export interface FfmpegBinary {
  /** Absolute path or command name handed to spawn. */
  path: string;
  /** ffprobe next to it (same directory), else `ffprobe` on PATH. */
  ffprobePath: string;
  /** First line of `ffmpeg -version`, e.g. `ffmpeg version 5.1.9-0+deb12u1 ...`. */
  version: string;
  source: 'FFMPEG_PATH' | 'PATH';
}

export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

function versionLine(bin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execTool(bin, ['-hide_banner', '-version'], { timeout: 10_000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.split('\n')[0]?.trim() ?? '');
    });
  });
}

/** ffprobe beside `ffmpegPath` (same directory and naming), or `ffprobe` on PATH when there is no path. */
export function ffprobeBeside(ffmpegPath: string | undefined): string {
  if (!ffmpegPath) return 'ffprobe';
  const slash = ffmpegPath.lastIndexOf('/');
  if (slash < 0) return 'ffprobe';
  const dir = ffmpegPath.slice(0, slash + 1);
  const base = ffmpegPath.slice(slash + 1);
  return `${dir}${base.replace(/ffmpeg/, 'ffprobe')}`;
}

/** Finds a runnable ffmpeg or throws {@link FfmpegNotFoundError} saying what was tried. */
export async function locateFfmpeg(options: { ffmpegPath: string | undefined }): Promise<FfmpegBinary> {
  if (options.ffmpegPath) {
    try {
      const version = await versionLine(options.ffmpegPath);
      return {
        path: options.ffmpegPath,
        ffprobePath: ffprobeBeside(options.ffmpegPath),
        version,
        source: 'FFMPEG_PATH',
      };
    } catch (error) {
      throw new FfmpegNotFoundError(
        `FFMPEG_PATH=${options.ffmpegPath} cannot be run (${(error as Error).message}); fix the path or unset it to use ffmpeg on PATH`,
      );
    }
  }
  try {
    const version = await versionLine('ffmpeg');
    return { path: 'ffmpeg', ffprobePath: 'ffprobe', version, source: 'PATH' };
  } catch {
    throw new FfmpegNotFoundError(
      'No ffmpeg found: set FFMPEG_PATH to an ffmpeg binary with libx264, or install one on PATH (Debian: apt-get install ffmpeg)',
    );
  }
}
