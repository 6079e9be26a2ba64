/**
 * The storyboard for scrubbing previews: a frame every few seconds, tiled into one JPEG sprite, and a
 * WebVTT file mapping each time range to its tile (`storyboard.jpg#xywh=x,y,w,h`), as players such as
 * Video.js, Vidstack and JW Player read it.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { runToCompletion } from './ffmpeg-process.ts';

export const STORYBOARD_IMAGE = 'storyboard.jpg';
export const STORYBOARD_VTT = 'storyboard.vtt';

export interface StoryboardOptions {
  ffmpegPath: string;
  /** Any decodable input; the lowest rendition just written is the cheapest to decode. */
  input: string;
  durationMs: number;
  /** Displayed size of the video, for the tiles' aspect ratio. */
  width: number;
  height: number;
  outputDir: string;
  signal?: AbortSignal;
  /** Defaults to 100 tiles, 160×90 box, 10 columns. */
  maxTiles?: number;
  tileBox?: { width: number; height: number };
  columns?: number;
}

export interface StoryboardLayout {
  /** Seconds between tiles (whole seconds, at least 1). */
  intervalSeconds: number;
  tileCount: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** How many tiles of what size: enough whole-second steps to cover the video in at most `maxTiles`. */
export function planStoryboard(
  durationMs: number,
  size: { width: number; height: number },
  options: { maxTiles?: number; tileBox?: { width: number; height: number }; columns?: number } = {},
): StoryboardLayout {
  const maxTiles = options.maxTiles ?? 100;
  const box = options.tileBox ?? { width: 160, height: 90 };
  const seconds = Math.max(durationMs, 1) / 1000;
  const intervalSeconds = Math.max(1, Math.ceil(seconds / maxTiles));
  const tileCount = Math.max(1, Math.min(maxTiles, Math.ceil(seconds / intervalSeconds)));
  // Tiles keep the video's aspect ratio inside the box, so no tile carries black bars.
  const wider = size.width * box.height >= size.height * box.width;
  const tileWidth = wider ? box.width : even((box.height * size.width) / size.height);
  const tileHeight = wider ? even((box.width * size.height) / size.width) : box.height;
  const columns = Math.min(options.columns ?? 10, tileCount);
  return { intervalSeconds, tileCount, tileWidth, tileHeight, columns, rows: Math.ceil(tileCount / columns) };
}

/** `75.5` s → `00:01:15.500`. */
export function vttTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(total % 1000, 3)}`;
}

/** The WebVTT map: tile i covers [i·interval, (i+1)·interval), the last one up to the end of the video. */
export function storyboardVtt(
  layout: StoryboardLayout,
  durationMs: number,
  tiles = layout.tileCount,
): string {
  const lines = ['WEBVTT', ''];
  const stepMs = layout.intervalSeconds * 1000;
  for (let i = 0; i < tiles; i++) {
    const start = i * stepMs;
    const end = i === tiles - 1 ? Math.max(durationMs, start + 1) : (i + 1) * stepMs;
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    lines.push(`${vttTimestamp(start)} --> ${vttTimestamp(end)}`);
    lines.push(`${STORYBOARD_IMAGE}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`, '');
  }
  return lines.join('\n');
}

/** Writes `storyboard.jpg` and `storyboard.vtt` into `outputDir`; resolves to the layout used. */
export async function writeStoryboard(options: StoryboardOptions): Promise<StoryboardLayout> {
  const planned = planStoryboard(options.durationMs, options, options);
  const framePattern = join(options.outputDir, '.storyboard-%04d.jpg');
  await runToCompletion(
    options.ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-i',
      options.input,
      '-map',
      '0:v:0',
      '-vf',
      `fps=1/${planned.intervalSeconds},scale=${planned.tileWidth}:${planned.tileHeight}`,
      '-frames:v',
      String(planned.tileCount),
      '-f',
      'image2',
      '-c:v',
      'mjpeg',
      '-q:v',
      '3',
      '-y',
      framePattern,
    ],
    { signal: options.signal },
  );
  const frames = (await readdir(options.outputDir)).filter((f) => /^\.storyboard-\d+\.jpg$/.test(f)).sort();
  if (frames.length === 0) throw new Error('ffmpeg produced no storyboard frames');
  try {
    // The fps filter may stop a frame short of the plan on a clip that ends early: lay out what exists.
    const layout = { ...planned, tileCount: frames.length, rows: Math.ceil(frames.length / planned.columns) };
    const sprite = await sharp({
      create: {
        width: layout.columns * layout.tileWidth,
        height: layout.rows * layout.tileHeight,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
      },
    })
      .composite(
        frames.map((frame, i) => ({
          input: join(options.outputDir, frame),
          left: (i % layout.columns) * layout.tileWidth,
          top: Math.floor(i / layout.columns) * layout.tileHeight,
        })),
      )
      .jpeg({ quality: 70, mozjpeg: true })
      .toBuffer();
    await writeFile(join(options.outputDir, STORYBOARD_IMAGE), sprite);
    await writeFile(join(options.outputDir, STORYBOARD_VTT), storyboardVtt(layout, options.durationMs));
    return layout;
  } finally {
    await Promise.all(frames.map((frame) => rm(join(options.outputDir, frame), { force: true })));
  }
}
