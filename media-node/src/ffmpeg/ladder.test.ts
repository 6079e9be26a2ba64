import { describe, expect, it } from 'vitest';
import {
  buildLiveHlsInvocation,
  gopFrames,
  type LadderSettings,
  planRungs,
  type SourceInfo,
  toArgv,
  videoKbpsFor,
} from './ladder.ts';

const hd720: SourceInfo = { width: 1280, height: 720, fps: 30, hasAudio: true };
const settings: LadderSettings = {
  ladder: [1080, 720, 480, 360],
  segmentSeconds: 2,
  windowSegments: 6,
  x264Preset: 'veryfast',
};

const optionValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const invocation = (over: Partial<Parameters<typeof buildLiveHlsInvocation>[0]> = {}) =>
  buildLiveHlsInvocation({
    input: 'rtmp://127.0.0.1:1935/live/k',
    outputDir: '/data/media/live/abc/',
    source: hd720,
    settings,
    record: false,
    append: false,
    ...over,
  });

describe('planRungs', () => {
  it('skips rungs above the source height, highest first, with even widths', () => {
    const rungs = planRungs(hd720, [360, 1080, 720, 480]);
    expect(rungs.map((r) => [r.name, r.width, r.height])).toEqual([
      ['720p', 1280, 720],
      ['480p', 854, 480],
      ['360p', 640, 360],
    ]);
  });

  it('gives each rung a bitrate, maxrate and buffer; top rung gets the best audio', () => {
    const [top, , low] = planRungs(hd720, settings.ladder as number[]);
    expect(top).toMatchObject({ videoKbps: 2800, maxrateKbps: 2996, bufsizeKbps: 5600, audioKbps: 128 });
    expect(low).toMatchObject({ videoKbps: 800, audioKbps: 96 });
  });

  it('keeps all rungs for 1080p and uses one rung at the source height for a tiny source', () => {
    expect(planRungs({ ...hd720, width: 1920, height: 1080 }, [1080, 720, 480, 360])).toHaveLength(4);
    const tiny = planRungs({ width: 320, height: 240, fps: 30, hasAudio: false }, [1080, 720]);
    expect(tiny.map((r) => [r.name, r.width, r.height])).toEqual([['240p', 320, 240]]);
  });

  it('passthrough is one source rung', () => {
    expect(planRungs(hd720, 'passthrough')).toEqual([
      {
        name: 'source',
        width: 1280,
        height: 720,
        videoKbps: 0,
        maxrateKbps: 0,
        bufsizeKbps: 0,
        audioKbps: 0,
      },
    ]);
  });

  it('derives a bitrate for heights outside the table', () => {
    expect(videoKbpsFor(540)).toBeGreaterThan(videoKbpsFor(480));
    expect(videoKbpsFor(540)).toBeLessThan(videoKbpsFor(720));
  });
});

describe('buildLiveHlsInvocation', () => {
  it('decodes once and splits into every rung', () => {
    const { outputOptions: out } = invocation();
    expect(optionValue(out, '-filter_complex')).toBe(
      '[0:v]split=3[s0][s1][s2];[s0]scale=w=1280:h=720[v0];[s1]scale=w=854:h=480[v1];[s2]scale=w=640:h=360[v2]',
    );
    expect(out.filter((a) => a === '-map')).toHaveLength(6);
    expect(optionValue(out, '-var_stream_map')).toBe('v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:360p');
  });

  it('aligns keyframes with segments: GOP = fps × segment seconds, no scene cuts, forced keyframes', () => {
    const { outputOptions: out } = invocation();
    expect(optionValue(out, '-c:v')).toBe('libx264');
    expect(optionValue(out, '-preset')).toBe('veryfast');
    expect(optionValue(out, '-tune')).toBe('zerolatency');
    expect(optionValue(out, '-g')).toBe('60');
    expect(optionValue(out, '-keyint_min')).toBe('60');
    expect(optionValue(out, '-sc_threshold')).toBe('0');
    expect(optionValue(out, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(gopFrames({ ...hd720, fps: 0 }, 1)).toBe(30);
    expect(gopFrames({ ...hd720, fps: 25 }, 2)).toBe(50);
  });

  it('sets per-rung video and audio bitrates with AAC', () => {
    const { outputOptions: out } = invocation();
    expect(optionValue(out, '-b:v:0')).toBe('2800k');
    expect(optionValue(out, '-b:v:2')).toBe('800k');
    expect(optionValue(out, '-maxrate:v:1')).toBe('1498k');
    expect(optionValue(out, '-c:a')).toBe('aac');
    expect(optionValue(out, '-b:a:0')).toBe('128k');
  });

  it('writes a bounded live window with a master playlist under the output dir', () => {
    const inv = invocation();
    const out = inv.outputOptions;
    expect(optionValue(out, '-f')).toBe('hls');
    expect(optionValue(out, '-hls_time')).toBe('2');
    expect(optionValue(out, '-hls_list_size')).toBe('6');
    expect(optionValue(out, '-hls_flags')).toBe('independent_segments+omit_endlist+delete_segments');
    expect(optionValue(out, '-master_pl_name')).toBe('master.m3u8');
    expect(optionValue(out, '-hls_segment_filename')).toBe('/data/media/live/abc/%v-%06d.ts');
    expect(inv.output).toBe('/data/media/live/abc/%v.m3u8');
    expect(out).not.toContain('-hls_playlist_type');
  });

  it('keeps every segment in an EVENT playlist when recording', () => {
    const out = invocation({ record: true }).outputOptions;
    expect(optionValue(out, '-hls_list_size')).toBe('0');
    expect(optionValue(out, '-hls_playlist_type')).toBe('event');
    expect(optionValue(out, '-hls_flags')).not.toContain('delete_segments');
  });

  it('continues existing playlists after a discontinuity when appending', () => {
    expect(optionValue(invocation({ append: true }).outputOptions, '-hls_flags')).toBe(
      'independent_segments+omit_endlist+delete_segments+append_list+discont_start',
    );
  });

  it('maps no audio for a silent source', () => {
    const out = invocation({ source: { ...hd720, hasAudio: false } }).outputOptions;
    expect(out).not.toContain('0:a:0');
    expect(out).not.toContain('-c:a');
    expect(optionValue(out, '-var_stream_map')).toBe('v:0,name:720p v:1,name:480p v:2,name:360p');
  });

  it('passthrough only remuxes', () => {
    const out = invocation({ settings: { ...settings, ladder: 'passthrough' } }).outputOptions;
    expect(optionValue(out, '-c')).toBe('copy');
    expect(out).not.toContain('-filter_complex');
    expect(out).not.toContain('libx264');
    expect(optionValue(out, '-var_stream_map')).toBe('v:0,a:0,name:source');
  });

  it('toArgv gives the hand-runnable command line', () => {
    const argv = toArgv(invocation());
    expect(argv.slice(0, 4)).toEqual(['-hide_banner', '-loglevel', 'error', '-nostdin']);
    expect(argv.slice(argv.indexOf('-i'), argv.indexOf('-i') + 2)).toEqual([
      '-i',
      'rtmp://127.0.0.1:1935/live/k',
    ]);
    expect(argv.at(-1)).toBe('/data/media/live/abc/%v.m3u8');
  });
});
