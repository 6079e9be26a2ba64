import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FilesystemMediaStorage, filesystemMediaPath } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { LocalDirectory } from '@streamhub/infra/media-storage/port';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MediaProbe, probeMedia } from './probe.ts';
import { produceVod } from './produce-vod.ts';
import { makeClip } from './testing/clips.ts';
import { transcodeToHls } from './transcode.ts';
import type { VideoRendition } from './video-processing-store.ts';
import type { VodLadderSettings } from './vod-ladder.ts';

const run = promisify(execFile);
// Small rungs and the fastest preset keep the suite quick; the default ladder is unit-tested as data.
const settings: VodLadderSettings = { ladder: [360, 240], segmentSeconds: 2, x264Preset: 'ultrafast' };
const root = mkdtempSync(join(tmpdir(), 'streamhub-vod-'));
const DURATION_S = 5;
const media = new FilesystemMediaStorage({ dataDir: root });

let source: string;
let probe: MediaProbe;
let outputDir: string;
let renditions: VideoRendition[];
const progress: number[] = [];

/** Decodes a whole playlist; resolves to its video size and the seconds decoded. */
async function decode(playlist: string): Promise<{ width: number; height: number; seconds: number }> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', playlist, '-f', 'null', '-']);
  expect(stderr.trim()).toBe('');
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height:format=duration',
    '-of',
    'json',
    playlist,
  ]);
  const json = JSON.parse(stdout) as {
    streams: { width: number; height: number }[];
    format: { duration: string };
  };
  return {
    width: json.streams[0]?.width ?? 0,
    height: json.streams[0]?.height ?? 0,
    seconds: Number(json.format.duration),
  };
}

beforeAll(async () => {
  source = await makeClip(join(root, 'source.mp4'), { seconds: DURATION_S, size: '640x360' });
  probe = await probeMedia('ffprobe', source);
  const videoId = randomUUID();
  await media.write(mediaKeys.vodSource(videoId), Buffer.from('the upload stays where it is'));
  const output = await media.localDirectory(mediaKeys.vodPrefix(videoId));
  outputDir = output.path;
  renditions = await produceVod({
    ffmpegPath: 'ffmpeg',
    input: source,
    output,
    media,
    probe,
    settings,
    progressIntervalMs: 0,
    onProgress: (percent) => progress.push(percent),
  });
});

describe('produceVod', () => {
  it('writes a master playlist listing every rendition with bandwidth, resolution and codecs', () => {
    expect(renditions).toEqual([
      {
        playlist: '360p.m3u8',
        width: 640,
        height: 360,
        bandwidth: expect.any(Number),
        codecs: expect.stringMatching(/^avc1\.\w+,mp4a\.40\.2$/),
      },
      {
        playlist: '240p.m3u8',
        width: 426,
        height: 240,
        bandwidth: expect.any(Number),
        codecs: expect.stringMatching(/^avc1\./),
      },
    ]);
    expect(renditions[0]?.bandwidth).toBeGreaterThan(renditions[1]?.bandwidth ?? 0);
    const master = readFileSync(join(outputDir, 'master.m3u8'), 'utf8');
    expect(master).toContain('RESOLUTION=640x360');
    expect(master).toContain('RESOLUTION=426x240');
  });

  it('writes variants that decode to the end', async () => {
    for (const rendition of renditions) {
      const playlist = readFileSync(join(outputDir, rendition.playlist), 'utf8');
      expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(playlist).toContain('#EXT-X-ENDLIST');
      const decoded = await decode(join(outputDir, rendition.playlist));
      expect(decoded).toMatchObject({ width: rendition.width, height: rendition.height });
      expect(decoded.seconds).toBeGreaterThan(DURATION_S - 0.5);
    }
  });

  it('writes a poster and a storyboard whose cues cover the whole video', async () => {
    expect(await sharp(join(outputDir, 'poster.jpg')).metadata()).toMatchObject({
      format: 'jpeg',
      width: 640,
      height: 360,
    });
    const sprite = await sharp(join(outputDir, 'storyboard.jpg')).metadata();
    expect(sprite).toMatchObject({ format: 'jpeg', width: 5 * 160, height: 90 });
    const vtt = readFileSync(join(outputDir, 'storyboard.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const cues = [...vtt.matchAll(/(\S+) --> (\S+)\nstoryboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
    expect(cues).toHaveLength(5);
    expect(cues[0]?.[1]).toBe('00:00:00.000');
    for (let i = 1; i < cues.length; i++) expect(cues[i]?.[1]).toBe(cues[i - 1]?.[2]);
    expect(cues.at(-1)?.[2]).toBe(`00:00:0${(probe.durationMs / 1000).toFixed(3)}`);
    expect(cues.map((c) => Number(c[3]))).toEqual([0, 160, 320, 480, 640]);
  });

  it('reports progress rising to 100', () => {
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toBe(100);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1] ?? -1);
  });

  it('leaves only its outputs beside the source, and no work directory', () => {
    expect(readdirSync(outputDir).sort()).toEqual(
      [
        '240p-00000.ts',
        '240p-00001.ts',
        '240p-00002.ts',
        '240p.m3u8',
        '360p-00000.ts',
        '360p-00001.ts',
        '360p-00002.ts',
        '360p.m3u8',
        'master.m3u8',
        'poster.jpg',
        'source',
        'storyboard.jpg',
        'storyboard.vtt',
      ].sort(),
    );
  });

  it('replaces an earlier result and a crashed attempt leftovers with exactly one clean output', async () => {
    const againId = randomUUID();
    const again = filesystemMediaPath(root, mediaKeys.vodPrefix(againId));
    cpSync(outputDir, again, { recursive: true });
    // A crashed attempt's half-written work directory, and a rung an earlier ladder had.
    const crashed = join(again, '.processing-crashed');
    mkdirSync(crashed);
    writeFileSync(join(crashed, '360p-00000.ts'), 'half a segment');
    writeFileSync(join(crashed, '.ffmpeg-pids'), '999999\n');
    writeFileSync(join(again, '720p.m3u8'), '#EXTM3U\n');
    writeFileSync(join(again, '720p-00000.ts'), 'old');
    const before = readdirSync(outputDir).sort();

    const output: LocalDirectory = await media.localDirectory(mediaKeys.vodPrefix(againId));
    await produceVod({ ffmpegPath: 'ffmpeg', input: source, output, media, probe, settings });

    expect(readdirSync(again).sort()).toEqual(before);
    expect(readFileSync(join(again, 'source'), 'utf8')).toBe('the upload stays where it is');
    for (const rendition of renditions) await decode(join(again, rendition.playlist));
  });
});

describe('transcodeToHls', () => {
  it('kills ffmpeg when aborted', async () => {
    const dir = join(root, 'aborted');
    mkdirSync(dir);
    const controller = new AbortController();
    let pid: number | undefined;
    const running = transcodeToHls({
      ffmpegPath: 'ffmpeg',
      input: source,
      outputDir: dir,
      probe,
      settings,
      signal: controller.signal,
      onSpawn: (spawned) => {
        pid = spawned;
        controller.abort(new Error('stop now'));
      },
    });
    await expect(running).rejects.toThrow('stop now');
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid ?? 0, 0)).toThrow(); // ESRCH: the process is gone
    expect(existsSync(join(dir, 'master.m3u8'))).toBe(false);
  });
});
