/** The poster: one frame from a tenth into the video (past most fade-ins and title cards), as a JPEG. */
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { runToCompletion } from './ffmpeg-process.ts';

export const POSTER_FILE = 'poster.jpg';
const MAX_WIDTH = 1280;
const MAX_HEIGHT = 720;

export interface PosterOptions {
  ffmpegPath: string;
  input: string;
  durationMs: number;
  outputDir: string;
  signal?: AbortSignal;
}

/** Writes `<outputDir>/poster.jpg` (at most 1280×720, aspect kept); resolves to its size. */
export async function writePoster(options: PosterOptions): Promise<{ width: number; height: number }> {
  const frame = join(options.outputDir, '.poster-frame.png');
  try {
    // Some containers state a longer duration than their last frame: fall back to the first frame.
    const atMs = Math.max(0, Math.floor(options.durationMs * 0.1));
    if (!(await extractFrame(options, atMs, frame)) && !(await extractFrame(options, 0, frame))) {
      throw new Error('ffmpeg produced no frame for the poster');
    }
    const { data, info } = await sharp(frame)
      .resize(MAX_WIDTH, MAX_HEIGHT, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    await writeFile(join(options.outputDir, POSTER_FILE), data);
    return { width: info.width, height: info.height };
  } finally {
    await rm(frame, { force: true });
  }
}

async function extractFrame(options: PosterOptions, atMs: number, file: string): Promise<boolean> {
  await rm(file, { force: true });
  const argv = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  // Input seeking jumps to the keyframe before and decodes up to the exact time: fast and accurate.
  if (atMs > 0) argv.push('-ss', (atMs / 1000).toFixed(3));
  argv.push(
    '-i',
    options.input,
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-c:v',
    'png',
    '-y',
    file,
  );
  await runToCompletion(options.ffmpegPath, argv, { signal: options.signal });
  return (await stat(file).catch(() => undefined))?.isFile() === true;
}
