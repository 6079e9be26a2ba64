import { describe, expect, it } from 'vitest';
import {
  buildVodTranscodeArgs,
  buildVodTranscodeInvocation,
  DEFAULT_VOD_LADDER,
  planVodRenditions,
  type VodSource,
  vodGopFrames,
} from './vod-ladder.ts';

const source = (width: number, height: number, over: Partial<VodSource> = {}): VodSource => ({
  width,
  height,
  fps: 30,
  hasAudio: true,
  ...over,
});
const sizes = (s: VodSource, ladder = DEFAULT_VOD_LADDER.ladder) =>
  planVodRenditions(s, ladder).map((r) => `${r.name}:${r.width}x${r.height}`);
const optionValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('planVodRenditions', () => {
  it('gives a 1080p source the whole default ladder, highest first', () => {
    expect(sizes(source(1920, 1080))).toEqual([
      '1080p:1920x1080',
      '720p:1280x720',
      '480p:854x480',
      '360p:640x360',
    ]);
  });

  it('skips rungs above the source', () => {
    expect(sizes(source(1280, 720))).toEqual(['720p:1280x720', '480p:854x480', '360p:640x360']);
    expect(sizes(source(3840, 2160))[0]).toBe('1080p:1920x1080');
  });

  it('keeps a source between rungs at its own size, named after the box that holds it', () => {
    expect(sizes(source(1600, 900))).toEqual([
      '1080p:1600x900',
      '720p:1280x720',
      '480p:854x480',
      '360p:640x360',
    ]);
  });

  it('fits letterboxed and portrait video into the boxes without changing its shape', () => {
    expect(sizes(source(1920, 800))).toEqual([
      '1080p:1920x800',
      '720p:1280x534',
      '480p:854x356',
      '360p:640x266',
    ]);
    expect(sizes(source(1080, 1920))).toEqual([
      '1080p:1080x1920',
      '720p:720x1280',
      '480p:480x854',
      '360p:360x640',
    ]);
  });

  it('drops a rung that would be almost the size of the one above', () => {
    expect(sizes(source(640, 362))).toEqual(['480p:640x362']);
    expect(sizes(source(320, 180))).toEqual(['360p:320x180']);
  });

  it('never upscales an odd-sized source', () => {
    const [top] = planVodRenditions(source(641, 361), [360]);
    expect(top).toMatchObject({ width: 640, height: 360 });
  });

  it('gives fewer bits to a picture that fills less of its box', () => {
    const full = planVodRenditions(source(1920, 1080), [1080])[0];
    const film = planVodRenditions(source(1920, 800), [1080])[0];
    expect(full?.videoKbps).toBe(5000);
    expect(film?.videoKbps).toBeLessThan(4000);
    expect(film?.audioKbps).toBe(128);
  });
});

describe('buildVodTranscodeInvocation', () => {
  const invocation = buildVodTranscodeInvocation({
    input: '/data/vod/v/source',
    outputDir: '/data/vod/v/.processing-x/',
    source: source(1280, 720, { fps: 25 }),
    settings: DEFAULT_VOD_LADDER,
    progress: true,
  });
  const args = invocation.outputOptions;

  it('decodes once and splits into every rendition', () => {
    expect(optionValue(args, '-filter_complex')).toBe(
      '[0:v:0]split=3[s0][s1][s2];[s0]scale=w=1280:h=720[v0];[s1]scale=w=854:h=480[v1];[s2]scale=w=640:h=360[v2]',
    );
    expect(args.filter((a) => a === '-map')).toHaveLength(6);
  });

  it('aligns keyframes on half segments and writes VOD playlists with a master', () => {
    expect(vodGopFrames(source(1280, 720, { fps: 25 }), 4)).toBe(50);
    expect(optionValue(args, '-g')).toBe('50');
    expect(optionValue(args, '-sc_threshold')).toBe('0');
    expect(optionValue(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(optionValue(args, '-hls_playlist_type')).toBe('vod');
    expect(optionValue(args, '-hls_time')).toBe('4');
    expect(optionValue(args, '-master_pl_name')).toBe('master.m3u8');
    expect(optionValue(args, '-var_stream_map')).toBe(
      'v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:360p',
    );
    expect(optionValue(args, '-hls_segment_filename')).toBe('/data/vod/v/.processing-x/%v-%05d.ts');
    expect(invocation.output).toBe('/data/vod/v/.processing-x/%v.m3u8');
    expect(invocation.inputOptions).toContain('pipe:1');
  });

  it('leaves audio out for a silent source', () => {
    const silent = buildVodTranscodeArgs({
      input: 'in.mp4',
      outputDir: 'out',
      source: source(640, 360, { hasAudio: false }),
      settings: DEFAULT_VOD_LADDER,
    });
    expect(silent).not.toContain('-c:a');
    expect(silent).not.toContain('pipe:1');
    expect(optionValue(silent, '-var_stream_map')).toBe('v:0,name:360p');
    expect(silent.slice(-2)).toEqual(['-y', 'out/%v.m3u8']);
  });
});
