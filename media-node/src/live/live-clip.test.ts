/**
 * Clips from a live window and from a finished video's ladder: real HLS written by ffmpeg into the media
 * storage (MPEG-TS, and fMP4 as the LL-HLS packager writes it) with segments that do not line up with the
 * asked span, cut to the frame, then ffprobe decoding the MP4. The first and last frames are compared with
 * the synthetic source's own frames (testsrc2 draws the same picture for the same time), so a clip that
 * starts or ends a frame off fails.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClipSourceError,
  cutLiveClip,
  cutRangeClip,
  lastSegments,
  oneInitSection,
  parseMediaPlaylist,
  segmentsInRange,
} from './live-clip.ts';

let dataDir: string;
const FPS = 30;
const SOURCE = `testsrc2=size=1280x720:rate=${FPS}`;

function run(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    execFile(
      command,
      args,
      { timeout: 120_000, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(String(stderr) || error.message)) : resolve(stdout),
    ),
  );
}

const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args]);

/** 40 s of 720p30 test pattern + tone as an HLS rung with 4 s segments (4 s GOPs), as a ladder writes it. */
async function writeRung(dir: string, fmp4: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  await ffmpeg([
    ...['-f', 'lavfi', '-i', SOURCE, '-f', 'lavfi', '-i', 'sine=frequency=440'],
    ...['-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '120', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-f', 'hls', '-hls_time', '4', '-hls_list_size', '0'],
    ...(fmp4 ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init720.mp4'] : []),
    ...['-hls_segment_filename', join(dir, fmp4 ? '720p_%d.m4s' : '720p_%d.ts'), join(dir, '720p.m3u8')],
  ]);
  // A lower rung beside it: the clip takes the highest.
  await writeFile(join(dir, '360p.m3u8'), '#EXTM3U\n');
}

/** Frame `index` of a video, decoded as 64x36 grey pixels. */
const frameAt = (input: string[], index: number) =>
  ffmpeg([
    ...input,
    ...['-vf', `select=eq(n\\,${index}),scale=64:36,format=gray`, '-frames:v', '1', '-f', 'rawvideo', '-'],
  ]);

/** Frame `index` of the synthetic source, straight from the generator. */
const sourceFrame = (index: number) => frameAt(['-f', 'lavfi', '-i', SOURCE], index);

const clipFrame = (file: string, index: number) => frameAt(['-i', file], index);

const distance = (a: Buffer, b: Buffer) => a.reduce((sum, byte, i) => sum + Math.abs(byte - (b[i] ?? 0)), 0);

/** Which of the source's frames around `expected` the clip's frame looks like (lossy encodes: the nearest). */
async function matchingSourceFrame(frame: Buffer, expected: number): Promise<number> {
  expect(frame.byteLength).toBe(64 * 36);
  const candidates = [expected - 2, expected - 1, expected, expected + 1, expected + 2];
  const distances = await Promise.all(candidates.map(async (n) => distance(frame, await sourceFrame(n))));
  return candidates[distances.indexOf(Math.min(...distances))] as number;
}

/** Durations of the clip's streams and its frame count, as ffprobe reads them. */
async function streamsOf(file: string) {
  const out = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-of', 'json'],
    ...['-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames,start_time,duration'],
    file,
  ]);
  return (
    JSON.parse(out.toString()) as {
      streams: {
        codec_type: string;
        codec_name: string;
        width?: number;
        height?: number;
        nb_read_frames: string;
        start_time: string;
        duration: string;
      }[];
    }
  ).streams;
}

/** The clip starts at source frame `first`, holds `frames` frames and its audio as long, to one frame. */
async function expectFrameAccurate(file: string, first: number, frames: number): Promise<void> {
  const streams = await streamsOf(file);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
  expect(Math.abs(Number(video?.start_time))).toBeLessThan(1 / FPS);
  expect(Math.abs(Number(video?.nb_read_frames) - frames)).toBeLessThanOrEqual(1);
  expect(Math.abs(Number(video?.duration) - frames / FPS)).toBeLessThanOrEqual(1 / FPS);
  expect(audio?.codec_name).toBe('aac');
  expect(Math.abs(Number(audio?.duration) - frames / FPS)).toBeLessThanOrEqual(1 / FPS);
  expect(await matchingSourceFrame(await clipFrame(file, 0), first)).toBe(first);
  const last = Number(video?.nb_read_frames) - 1;
  expect(await matchingSourceFrame(await clipFrame(file, last), first + last)).toBe(first + last);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-clip-test-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('clips cut to the frame (real HLS, ffmpeg, ffprobe)', () => {
  for (const fmp4 of [false, true]) {
    it(`cuts the last 30 s of a ${fmp4 ? 'fMP4' : 'MPEG-TS'} live window, not the 32 s of whole segments`, async () => {
      const playbackId = `clipsource${fmp4 ? 'fmp4' : 'ts00'}`;
      await writeRung(mediaPaths(dataDir).live(playbackId), fmp4);
      const media = createMediaStorage({ dataDir });
      const clip = await cutLiveClip({
        media,
        prefix: mediaKeys.livePrefix(playbackId),
        seconds: 30,
        ffmpegPath: 'ffmpeg',
      });
      // 40 s in 4 s segments: the last 30 s start 2 s into the segment at 8 s.
      expect(clip.seconds).toBeCloseTo(30, 6);
      expect(clip.startSeconds).toBeCloseTo(10, 6);
      const file = join(dataDir, `${playbackId}.mp4`);
      await writeFile(file, clip.bytes);
      await expectFrameAccurate(file, 10 * FPS, 30 * FPS);
    }, 240_000);
  }

  it('cuts 12 s from 7.3 s of a finished video (fMP4 ladder), starting mid-GOP', async () => {
    const videoId = '0b8f3a52-5d1e-4d55-9a2b-3c1d2e4f5a6b';
    await writeRung(mediaPaths(dataDir).video(videoId), true);
    const media = createMediaStorage({ dataDir });
    const clip = await cutRangeClip({
      media,
      prefix: mediaKeys.vodPrefix(videoId),
      startSeconds: 7.3,
      seconds: 12,
      ffmpegPath: 'ffmpeg',
    });
    expect(clip.startSeconds).toBeCloseTo(7.3, 6);
    expect(clip.seconds).toBeCloseTo(12, 6);
    const file = join(dataDir, 'range.mp4');
    await writeFile(file, clip.bytes);
    await expectFrameAccurate(file, 219, 12 * FPS);
  }, 240_000);

  it('refuses a session without segments', async () => {
    const media = createMediaStorage({ dataDir });
    await expect(
      cutLiveClip({
        media,
        prefix: mediaKeys.livePrefix('nothinghere0000'),
        seconds: 10,
        ffmpegPath: 'ffmpeg',
      }),
    ).rejects.toBeInstanceOf(ClipSourceError);
  });

  it('reads whole segments and the init section, ignoring parts, and picks the trailing ones', () => {
    const parsed = parseMediaPlaylist(
      [
        '#EXTM3U',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXT-X-PART:DURATION=0.334,URI="p1.m4s"',
        '#EXTINF:2.000,',
        's1.m4s',
        '#EXTINF:2.000,',
        's2.m4s',
        '#EXTINF:1.500,',
        's3.m4s',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p9.m4s"',
      ].join('\n'),
    );
    expect(parsed.map).toBe('init.mp4');
    expect(parsed.segments.map((s) => s.uri)).toEqual(['s1.m4s', 's2.m4s', 's3.m4s']);
    expect(lastSegments(parsed.segments, 3).map((s) => s.uri)).toEqual(['s2.m4s', 's3.m4s']);
    expect(lastSegments(parsed.segments, 60)).toHaveLength(3);
  });

  it('picks the segments that cover a range from a point, and never mixes two init sections', () => {
    const segments = [2, 2, 2, 1.5].map((duration, i) => ({ uri: `s${i}.m4s`, duration }));
    const uris = (list: { uri: string }[]) => list.map((s) => s.uri);
    // 3 s lies in s1 (2–4 s), 3 + 2.5 = 5.5 s in s2 (4–6 s).
    expect(uris(segmentsInRange(segments, 3, 2.5))).toEqual(['s1.m4s', 's2.m4s']);
    // A segment that ends exactly at the start holds none of the range; one starting at the end neither.
    expect(uris(segmentsInRange(segments, 2, 2))).toEqual(['s1.m4s']);
    expect(uris(segmentsInRange(segments, 6, 60))).toEqual(['s3.m4s']);
    expect(segmentsInRange(segments, 7.5, 5)).toEqual([]);
    // A reconnect (a second EXT-X-MAP) between the chosen segments: one run only.
    const parsed = parseMediaPlaylist(
      [
        '#EXT-X-MAP:URI="a-init.mp4"',
        ...['#EXTINF:2,', 'a1.m4s', '#EXTINF:2,', 'a2.m4s', '#EXT-X-DISCONTINUITY'],
        '#EXT-X-MAP:URI="b-init.mp4"',
        ...['#EXTINF:2,', 'b1.m4s'],
      ].join('\n'),
    );
    expect(parsed.segments.map((s) => s.map)).toEqual(['a-init.mp4', 'a-init.mp4', 'b-init.mp4']);
    expect(uris(oneInitSection(parsed.segments, 'newest'))).toEqual(['b1.m4s']);
    expect(uris(oneInitSection(parsed.segments, 'oldest'))).toEqual(['a1.m4s', 'a2.m4s']);
  });
});
