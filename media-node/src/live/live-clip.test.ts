/**
 * Clips from a live window: real HLS written by ffmpeg into the media storage (MPEG-TS, and fMP4 as
 * the LL-HLS packager writes it), the last 30 s cut by stream copy, and ffprobe decoding the MP4.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../testing/process-helpers.ts';
import {
  ClipSourceError,
  cutLiveClip,
  lastSegments,
  oneInitSection,
  parseMediaPlaylist,
  segmentsInRange,
} from './live-clip.ts';

let dataDir: string;

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', ...args],
      { timeout: 120_000 },
      (error, _o, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve()),
    ),
  );
}

/** 40 s of 720p30 test pattern + tone as a live HLS rung (2 s segments), as the ladder writes it. */
async function writeLiveRung(playbackId: string, fmp4: boolean): Promise<void> {
  const dir = mediaPaths(dataDir).live(playbackId);
  await mkdir(dir, { recursive: true });
  await ffmpeg([
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440'],
    ...[
      '-t',
      '40',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
    ],
    ...['-f', 'hls', '-hls_time', '2', '-hls_list_size', '0'],
    ...(fmp4 ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init720.mp4'] : []),
    ...['-hls_segment_filename', join(dir, fmp4 ? '720p_%d.m4s' : '720p_%d.ts'), join(dir, '720p.m3u8')],
  ]);
  // A lower rung beside it: the clip takes the highest.
  await writeFile(join(dir, '360p.m3u8'), '#EXTM3U\n');
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-clip-test-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('live clips (real HLS, ffmpeg stream copy, ffprobe)', () => {
  for (const fmp4 of [false, true]) {
    it(`cuts the last 30 s of a ${fmp4 ? 'fMP4' : 'MPEG-TS'} live window into a playable MP4`, async () => {
      const playbackId = `clipsource${fmp4 ? 'fmp4' : 'ts00'}`;
      await writeLiveRung(playbackId, fmp4);
      const media = createMediaStorage({ dataDir });
      const clip = await cutLiveClip({
        media,
        prefix: mediaKeys.livePrefix(playbackId),
        seconds: 30,
        ffmpegPath: 'ffmpeg',
      });
      expect(clip.windowSeconds).toBeGreaterThanOrEqual(30);
      const file = join(dataDir, `${playbackId}.mp4`);
      await writeFile(file, clip.bytes);
      const probed = await probe(file);
      const video = probed.streams.find((s) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
      // At least 30 s at 30 fps, at most one 2 s segment more.
      expect(Number(video?.nb_read_frames)).toBeGreaterThanOrEqual(30 * 30);
      expect(Number(video?.nb_read_frames)).toBeLessThanOrEqual(32 * 30);
      expect(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    }, 120_000);
  }

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
