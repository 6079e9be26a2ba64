import { buildVodTranscodeArgs, DEFAULT_VOD_LADDER } from '@streamhub/media-node/vod/vod-ladder';
import { afterAll, describe, expect, it } from 'vitest';
import { discardClips } from './clip.ts';
import { playlistSeconds } from './hls-check.ts';
import { roundOrder, runVodBench } from './measure.ts';
import { compare, summarise } from './report.ts';
import { perRenditionCommands } from './setups.ts';

const source = { width: 1920, height: 1080, fps: 30, hasAudio: true };
const valueAfter = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe('perRenditionCommands', () => {
  const commands = perRenditionCommands('in.mp4', '/out', source, DEFAULT_VOD_LADDER);
  const full = buildVodTranscodeArgs({
    input: 'in.mp4',
    outputDir: '/out',
    source,
    settings: DEFAULT_VOD_LADDER,
  });

  it('gives every rung of the full ladder its own command with that rung’s size and bitrates', () => {
    expect(commands.map((c) => c.rendition.name)).toEqual(['1080p', '720p', '480p', '360p']);
    commands.forEach(({ rendition, argv }, i) => {
      expect(valueAfter(argv, '-filter_complex')).toBe(
        `[0:v:0]split=1[s0];[s0]scale=w=${rendition.width}:h=${rendition.height}[v0]`,
      );
      expect(valueAfter(argv, '-b:v:0')).toBe(valueAfter(full, `-b:v:${i}`));
      expect(valueAfter(argv, '-maxrate:v:0')).toBe(valueAfter(full, `-maxrate:v:${i}`));
      expect(valueAfter(argv, '-b:a:0')).toBe(valueAfter(full, `-b:a:${i}`));
      expect(valueAfter(argv, '-var_stream_map')).toBe(`v:0,a:0,name:${rendition.name}`);
      expect(argv.at(-1)).toBe(`/out/${rendition.name}/%v.m3u8`);
    });
  });

  it('keeps the full command’s encoder settings', () => {
    for (const flag of ['-preset', '-profile:v', '-g', '-keyint_min', '-force_key_frames', '-hls_time']) {
      for (const { argv } of commands) expect(valueAfter(argv, flag)).toBe(valueAfter(full, flag));
    }
  });
});

describe('playlistSeconds', () => {
  it('adds up the segments of a finished playlist and refuses an unfinished one', () => {
    const body = '#EXTM3U\n#EXTINF:4.000000,\na.ts\n#EXTINF:1.500000,\nb.ts\n';
    expect(playlistSeconds(`${body}#EXT-X-ENDLIST\n`)).toBeCloseTo(5.5);
    expect(playlistSeconds(body)).toBeUndefined();
  });
});

it('alternates the order of the setups between rounds', () => {
  expect(roundOrder(0)).toEqual(['streamhub', 'ffmpeg', 'separate']);
  expect(roundOrder(1)).toEqual(['separate', 'ffmpeg', 'streamhub']);
});

afterAll(discardClips);

// A real run on a 2 s clip: about 10 s on a quiet 2-core machine, 45 s at a load average of 10.
it('measures every setup on a short clip with sane figures', { timeout: 120_000 }, async () => {
  const result = await runVodBench({ seconds: 2, rounds: 1 });
  expect(result.clipSeconds).toBeCloseTo(2, 0);
  expect(result.renditions).toHaveLength(4);
  expect(result.runs.map((r) => r.setup)).toEqual(['streamhub', 'ffmpeg', 'separate']);
  for (const run of result.runs) {
    expect(run.wallS).toBeGreaterThan(0);
    // Four x264 encoders over 60 frames of 1080p cannot be free, nor cost more than the machine has.
    expect(run.ffmpegCpuS).toBeGreaterThan(0.2);
    expect(run.ffmpegCpuS).toBeLessThan(run.wallS * 2 + 1);
  }
  const [streamhub, plain, separate] = result.runs;
  // The same command: the same work, whatever the machine's load does to wall times.
  expect(streamhub?.ffmpegCpuS).toBeGreaterThan((plain?.ffmpegCpuS ?? 0) / 2);
  expect(streamhub?.ffmpegCpuS).toBeLessThan((plain?.ffmpegCpuS ?? 0) * 2);
  // Separate runs decode the source four times.
  expect(separate?.ffmpegCpuS).toBeGreaterThan(plain?.ffmpegCpuS ?? 0);
  const comparison = compare(result, summarise(result));
  expect(Number.isFinite(comparison.streamhubOverPlain.ofMedians)).toBe(true);
  expect(comparison.separateOverOneDecode.perRound).toHaveLength(1);
});
