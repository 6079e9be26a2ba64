import { buildLiveHlsInvocation, toArgv } from '@streamhub/media-node/ffmpeg/ladder';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist, segmentIndex } from './hls-playlist.ts';
import type { SeenSegment } from './hls-watcher.ts';
import {
  expectedGlassToGlass,
  median,
  mediaPerWallSecond,
  segmentLateness,
  segmentTimings,
} from './latency.ts';
import { benchConfig } from './media-config.ts';
import { handRunLadderArgv } from './setups.ts';

const seg = (index: number, seenAt: number, durationS = 1): SeenSegment => ({
  uri: `v-${String(index).padStart(6, '0')}.ts`,
  index,
  durationS,
  seenAt,
});

describe('segment timing', () => {
  it('takes the slowest variant and accumulates media time from the first segment', () => {
    const timings = segmentTimings({
      '720p.m3u8': [seg(0, 3000), seg(1, 4000), seg(2, 5000)],
      '360p.m3u8': [seg(0, 3050), seg(1, 3990)],
    });
    expect(timings).toEqual([
      { index: 0, endS: 1, listedAt: 3050 },
      { index: 1, endS: 2, listedAt: 4000 },
    ]);
  });

  it('measures lateness against the arrival of each segment’s last frame', () => {
    const timings = segmentTimings({ a: [seg(0, 2500), seg(1, 3400), seg(2, 4450)] });
    // First media at 1000 ms: segment 1 ends at media 2 s, whose last frame arrived at 3000 ms.
    expect(segmentLateness(timings, 1000, { fromMs: 3000, toMs: 5000 })).toEqual([0.4, 0.45]);
    expect(mediaPerWallSecond(timings, { fromMs: 0, toMs: 5000 })).toBeCloseTo(2 / 1.95, 5);
  });

  it('adds the player hold-back (N target durations) and half a segment of edge age', () => {
    const g2g = (holdBackSegments: number) =>
      expectedGlassToGlass({
        encoderDelayS: 0.3,
        segmentLatenessS: 0.4,
        targetDurationS: 1,
        holdBackSegments,
      });
    expect(g2g(3).totalS).toBeCloseTo(0.3 + 0.4 + 3 + 0.5, 10);
    expect(g2g(2).playerBufferS).toBe(2);
    expect(median([3, 1, 2, Number.NaN])).toBe(2);
  });
});

describe('playlist parsing', () => {
  it('reads segments, durations and variants as ffmpeg writes them', () => {
    const media = parseMediaPlaylist(
      '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:1.000000,\n720p-000003.ts\n#EXTINF:0.966667,\n720p-000004.ts\n',
    );
    expect(media).toEqual({
      targetDurationS: 1,
      segments: [
        { uri: '720p-000003.ts', durationS: 1 },
        { uri: '720p-000004.ts', durationS: 0.966667 },
      ],
    });
    expect(segmentIndex('720p-000004.ts')).toBe(4);
    expect(
      parseMasterPlaylist(
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3200000,RESOLUTION=1280x720\n720p.m3u8\n\n#EXT-X-STREAM-INF:BANDWIDTH=900000\n360p.m3u8\n',
      ),
    ).toEqual(['720p.m3u8', '360p.m3u8']);
  });
});

describe('the hand-run ladder', () => {
  const source = { width: 1280, height: 720, fps: 30, hasAudio: true };

  it('is ladder.ts’s own invocation with -listen 1 before the input', () => {
    const argv = handRunLadderArgv({
      port: 1940,
      outputDir: '/out',
      source,
      segmentSeconds: 1,
      dataDir: '/tmp',
    });
    const { media } = benchConfig({ dataDir: '/tmp', segmentSeconds: 1 });
    const expected = toArgv(
      buildLiveHlsInvocation({
        input: 'rtmp://127.0.0.1:1940/live/bench',
        outputDir: '/out',
        source,
        settings: media,
        record: false,
        append: false,
      }),
    );
    const at = argv.indexOf('-listen');
    expect(argv.slice(at, at + 3)).toEqual(['-listen', '1', '-i']);
    expect([...argv.slice(0, at), ...argv.slice(at + 2)]).toEqual(expected);
  });
});
