import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { keyIn, mediaKeys } from '@streamhub/infra/media-storage/keys';
import { readMediaBytes } from '@streamhub/infra/media-storage/port';
import { createLogger } from '@streamhub/logger/logger';
import { describe, expect, it } from 'vitest';
import { type LadderSettings, planRungs, type SourceInfo } from '../../ffmpeg/ladder.ts';
import { BoxSplitter, readFragment } from './fmp4.ts';
import { LadderPackager } from './ladder-packager.ts';
import { buildLlLadderInvocation } from './ll-ladder.ts';
import { readPlaylistEdge } from './media-playlist.ts';

const run = promisify(execFile);
const logger = createLogger({ name: 'llhls-test', level: 'silent' });
const source: SourceInfo = { width: 1280, height: 720, fps: 30, hasAudio: true };
const settings: LadderSettings = {
  ladder: [720, 360],
  segmentSeconds: 1,
  windowSegments: 6,
  x264Preset: 'ultrafast',
};
/** The shipped default (LIVE_LL_PART_MS=201): six frames at 30 fps. */
const PART_TARGET = 0.201;

const SYNTHETIC = 'testsrc2=size=1280x720:rate=30[out0];sine=frequency=440:sample_rate=48000[out1]';

/**
 * Runs the LL ladder's real ffmpeg argv for `seconds` on `input`: by default a synthetic 720p30 source with
 * a tone, else a file (its input options, e.g. `-re`, given).
 */
async function encode(
  packager: LadderPackager,
  seconds: number,
  input: string[] = ['-re', '-f', 'lavfi', '-i', SYNTHETIC],
): Promise<void> {
  const outputs = await packager.start(false);
  packager.expectRun();
  const invocation = buildLlLadderInvocation({ input: 'unused', source, settings, outputs });
  const child = spawn(
    'ffmpeg',
    [
      ...invocation.inputOptions,
      '-t',
      String(seconds),
      ...input,
      ...invocation.outputOptions,
      invocation.output,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  await packager.close();
}

interface ParsedSegment {
  duration: number;
  uri: string;
  parts: { duration: number; uri: string; independent: boolean }[];
}

function segmentsOf(playlist: string): ParsedSegment[] {
  const segments: ParsedSegment[] = [];
  let parts: ParsedSegment['parts'] = [];
  let duration = 0;
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXT-X-PART:')) {
      parts.push({
        duration: Number(/DURATION=([\d.]+)/.exec(line)?.[1]),
        uri: /URI="([^"]+)"/.exec(line)?.[1] ?? '',
        independent: line.includes('INDEPENDENT=YES'),
      });
    } else if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0]);
    else if (line && !line.startsWith('#')) {
      segments.push({ duration, uri: line, parts });
      parts = [];
    }
  }
  return segments;
}

describe('LL-HLS ladder packaging of real ffmpeg output', () => {
  const media = new FilesystemMediaStorage({ dataDir: mkdtempSync(join(tmpdir(), 'streamhub-llhls-')) });
  const prefix = mediaKeys.livePrefix('llhls-pack-1');

  it('writes conforming playlists, parts within PART-TARGET, segments on keyframes, decodable parts', async () => {
    const dir = await media.localDirectory(prefix);
    const packager = new LadderPackager({
      rungs: planRungs(source, settings.ladder),
      hasAudio: true,
      segmentSeconds: 1,
      record: false,
      media,
      dir,
      partTargetSeconds: PART_TARGET,
      windowSeconds: 30,
      logger,
    });
    const edges: string[] = [];
    let playable = false;
    packager.on('updated', (edge) =>
      edges.push(`${edge.name}:${edge.lastPart?.msn}.${edge.lastPart?.index}`),
    );
    packager.once('playable', () => {
      playable = true;
    });
    await encode(packager, 4);
    expect(playable).toBe(true);

    const master = (await readMediaBytes(media, keyIn(prefix, 'master.m3u8')))?.toString('utf8') ?? '';
    expect(master).toContain('#EXT-X-STREAM-INF:BANDWIDTH=');
    expect(master).toContain('720p.m3u8');
    expect(master).toContain('360p.m3u8');

    for (const rung of ['720p', '360p']) {
      const text = (await readMediaBytes(media, keyIn(prefix, `${rung}.m3u8`)))?.toString('utf8') ?? '';
      expect(text).toMatch(/^#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n/);
      expect(text).toContain(
        '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.00000,PART-HOLD-BACK=0.60300',
      );
      expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=0.20100');
      expect(text).toContain(`#EXT-X-MAP:URI="${rung}-init-000000.mp4"`);
      expect(text).toMatch(/#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT/);
      expect(text).toMatch(/#EXT-X-RENDITION-REPORT:URI="(720p|360p)\.m3u8",LAST-MSN=\d+,LAST-PART=\d+/);
      // ffmpeg has finished: no part is announced any more.
      expect(text).not.toContain('#EXT-X-PRELOAD-HINT');

      const segments = segmentsOf(text);
      expect(segments.length).toBeGreaterThanOrEqual(3);
      for (const segment of segments) {
        expect(Math.round(segment.duration)).toBeLessThanOrEqual(1);
        expect(segment.parts.length).toBeGreaterThanOrEqual(2);
        // Each segment starts on a keyframe; its parts add up to it and none exceeds PART-TARGET.
        expect(segment.parts[0]?.independent).toBe(true);
        for (const part of segment.parts) expect(part.duration).toBeLessThanOrEqual(PART_TARGET);
        // RFC 8216bis: every part but a segment's last (or an independent one) is at least 85 % of PART-TARGET.
        for (const part of segment.parts.slice(0, -1))
          if (!part.independent) expect(part.duration).toBeGreaterThanOrEqual(0.85 * PART_TARGET);
        const sum = segment.parts.reduce((s, p) => s + p.duration, 0);
        expect(sum).toBeCloseTo(segment.duration, 3);
        // A whole segment is its parts' bytes, in order.
        const whole = await readFile(join(dir.path, segment.uri));
        const pieces = await Promise.all(segment.parts.map((p) => readFile(join(dir.path, p.uri))));
        expect(Buffer.concat(pieces).equals(whole)).toBe(true);
      }
      const edge = readPlaylistEdge(text);
      expect(edge.lastMsn).toBe(segments.length - 1);

      // ffprobe decodes a part that starts a segment, and a whole segment, each after the init section.
      const init = await readFile(join(dir.path, `${rung}-init-000000.mp4`));
      const second = segments[1] as ParsedSegment;
      for (const [name, bytes] of [
        ['part', await readFile(join(dir.path, second.parts[0]?.uri ?? ''))],
        ['segment', await readFile(join(dir.path, second.uri))],
      ] as const) {
        const file = join(dir.path, `.probe-${rung}-${name}.mp4`);
        await writeFile(file, Buffer.concat([init, bytes]));
        const { stdout } = await run('ffprobe', [
          '-v',
          'error',
          '-count_frames',
          '-show_entries',
          'stream=codec_type,nb_read_frames',
          '-of',
          'json',
          file,
        ]);
        const streams = (JSON.parse(stdout) as { streams: { codec_type: string; nb_read_frames: string }[] })
          .streams;
        const video = streams.find((s) => s.codec_type === 'video');
        const audio = streams.find((s) => s.codec_type === 'audio');
        expect(Number(video?.nb_read_frames)).toBeGreaterThan(name === 'part' ? 5 : 25);
        expect(Number(audio?.nb_read_frames)).toBeGreaterThan(0);
      }
    }
    // Parts were announced one by one, every rung in step.
    expect(edges).toContain('720p:0.0');
    expect(edges).toContain('360p:1.1');
    await dir.release();
  }, 60_000);
  it('writes every sample with its duration and each track without gaps or repeats, from an RTMP-like source', async () => {
    // What RTMP ingest hands the ladder: FLV, timestamps in milliseconds. From such a source, FFmpeg 5.1's
    // `frag_every_frame` wrote audio samples of duration 0 followed by a repeated decode time, which
    // Chromium's MSE buffered as holes (hls.js stalled on them after a rewind).
    const flv = join(mkdtempSync(join(tmpdir(), 'streamhub-llhls-flv-')), 'source.flv');
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
      ...['-f', 'flv', '-y', flv],
    ]);
    const flvPrefix = mediaKeys.livePrefix('llhls-flv-test');
    const dir = await media.localDirectory(flvPrefix);
    const packager = new LadderPackager({
      rungs: planRungs(source, settings.ladder),
      hasAudio: true,
      segmentSeconds: 1,
      record: true,
      media,
      dir,
      partTargetSeconds: PART_TARGET,
      windowSeconds: 30,
      logger,
    });
    await encode(packager, 4, ['-i', flv]);
    for (const rung of ['720p', '360p']) {
      const text = (await readMediaBytes(media, keyIn(flvPrefix, `${rung}.m3u8`)))?.toString('utf8') ?? '';
      const segments = segmentsOf(text);
      expect(segments.length).toBeGreaterThanOrEqual(3);
      const bytes = Buffer.concat(await Promise.all(segments.map((s) => readFile(join(dir.path, s.uri)))));
      const next = new Map<number, number>();
      let samples = 0;
      for (const box of new BoxSplitter().push(bytes)) {
        if (box.type !== 'moof') continue;
        for (const run of readFragment(box.bytes)) {
          expect(run.duration, `a sample of track ${run.trackId} without duration`).toBeGreaterThan(0);
          const expected = next.get(run.trackId);
          if (expected !== undefined) expect(run.baseDecodeTime, `track ${run.trackId}`).toBe(expected);
          next.set(run.trackId, run.baseDecodeTime + run.duration);
          samples += run.samples;
        }
      }
      expect(next.size).toBe(2);
      expect(samples).toBeGreaterThan(250);
    }
    await dir.release();
  }, 60_000);
});
