import { describe, expect, it } from 'vitest';
import {
  deltaPlaylist,
  edgeReached,
  MediaPlaylistRenderer,
  type MediaPlaylistState,
  type PlaylistSegment,
  parseMediaPlaylist,
  readPlaylistEdge,
  renderMediaPlaylist,
  tooFarAhead,
} from './media-playlist.ts';

const t0 = Date.parse('2026-12-06T10:00:00.000Z');
const segment = (msn: number, discontinuity = false): PlaylistSegment => ({
  msn,
  uri: `720p-${String(msn).padStart(6, '0')}.m4s`,
  duration: 1,
  programDateTime: new Date(t0 + msn * 1000),
  discontinuity,
  mapUri: discontinuity ? 'init-b.mp4' : 'init-a.mp4',
  parts: [0, 1, 2].map((i) => ({ uri: `p-${msn}.${i}.m4s`, duration: 1 / 3, independent: i === 0 })),
});

function state(count: number, over: Partial<MediaPlaylistState> = {}): MediaPlaylistState {
  return {
    targetDuration: 1,
    partTarget: 0.334,
    segments: Array.from({ length: count }, (_, i) => segment(100 + i)),
    open: {
      msn: 100 + count,
      programDateTime: new Date(t0 + (100 + count) * 1000),
      discontinuity: false,
      mapUri: 'init-a.mp4',
      parts: [{ uri: `p-${100 + count}.0.m4s`, duration: 1 / 3, independent: true }],
    },
    preloadHint: `p-${100 + count}.1.m4s`,
    discontinuitySequence: 0,
    event: false,
    renditionReports: [{ uri: '360p.m3u8', lastMsn: 100 + count, lastPart: 0 }],
    ...over,
  };
}

describe('renderMediaPlaylist', () => {
  it('lists parts only near the edge, the open segment, a preload hint and rendition reports', () => {
    const text = renderMediaPlaylist(state(10));
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:100\n');
    expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=0.33400');
    // 1/3 s of the open segment + 3 segments are within 3 target durations: parts of 107, 108, 109 only.
    expect(text).not.toContain('p-106.0.m4s');
    expect(text).toContain('#EXT-X-PART:DURATION=0.33333,URI="p-107.0.m4s",INDEPENDENT=YES');
    expect(text).toContain('#EXT-X-PART:DURATION=0.33333,URI="p-110.0.m4s",INDEPENDENT=YES\n');
    expect(text).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p-110.1.m4s"');
    expect(text).toContain('#EXT-X-RENDITION-REPORT:URI="360p.m3u8",LAST-MSN=110,LAST-PART=0');
    expect(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g)).toHaveLength(11);
  });

  it('renders a growing window part by part with the same text as from scratch', () => {
    // One renderer kept across a live window's changes: parts added to the open segment, segments
    // completed, leaving the window from the front, losing their parts, a new run with its own init.
    const renderer = new MediaPlaylistRenderer();
    const s = state(0);
    s.open = undefined;
    let msn = 100;
    for (let step = 0; step < 60; step++) {
      const partIndex = step % 3;
      if (partIndex === 0) {
        const fresh = step === 45;
        s.open = {
          msn,
          programDateTime: new Date(t0 + msn * 1000),
          discontinuity: fresh,
          mapUri:
            fresh || (s.segments.at(-1)?.mapUri ?? 'init-a.mp4') === 'init-b.mp4'
              ? 'init-b.mp4'
              : 'init-a.mp4',
          parts: [],
        };
      }
      const open = s.open as NonNullable<MediaPlaylistState['open']>;
      open.parts.push({ uri: `p-${msn}.${partIndex}.m4s`, duration: 1 / 3, independent: partIndex === 0 });
      if (partIndex === 2) {
        s.segments.push({ ...open, uri: `720p-${msn}.m4s`, duration: 1 });
        s.open = undefined;
        msn += 1;
        if (s.segments.length > 8) {
          const left = s.segments.shift() as PlaylistSegment;
          if (left.discontinuity) s.discontinuitySequence += 1;
        }
        const stale = s.segments.at(-6);
        if (stale) stale.parts = [];
      }
      s.preloadHint = `p-${msn}.${(partIndex + 1) % 3}.m4s`;
      expect(renderer.render(s), `step ${step}`).toBe(renderMediaPlaylist(s));
    }
    expect(renderer.render(s)).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-b.mp4"');
  });

  it('marks a new run with a discontinuity and its own init section, and round-trips through the parser', () => {
    const s = state(3);
    s.segments.push(segment(103, true));
    s.open = undefined;
    s.preloadHint = undefined;
    const text = renderMediaPlaylist(s);
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-b.mp4"');
    const parsed = parseMediaPlaylist(text);
    expect(parsed.segments.map((x) => [x.msn, x.uri, x.discontinuity, x.mapUri])).toEqual([
      [100, '720p-000100.m4s', false, 'init-a.mp4'],
      [101, '720p-000101.m4s', false, 'init-a.mp4'],
      [102, '720p-000102.m4s', false, 'init-a.mp4'],
      [103, '720p-000103.m4s', true, 'init-b.mp4'],
    ]);
    expect(parsed.segments[3]?.programDateTime.toISOString()).toBe('2026-12-06T10:01:43.000Z');
  });
});

describe('blocking reload directives', () => {
  const edge = readPlaylistEdge(renderMediaPlaylist(state(10)));

  it('reads the edge: last complete segment and last part', () => {
    expect(edge).toMatchObject({ lastMsn: 109, lastPart: { msn: 110, index: 0 }, targetDuration: 1 });
    expect(edge.partTarget).toBeCloseTo(0.334);
    expect(edge.canSkipUntil).toBe(6);
  });

  it('is reached once the asked segment is complete or the asked part (or a later one) is listed', () => {
    expect(edgeReached(edge, 109, undefined)).toBe(true);
    expect(edgeReached(edge, 110, undefined)).toBe(false);
    expect(edgeReached(edge, 110, 0)).toBe(true);
    expect(edgeReached(edge, 110, 1)).toBe(false);
    expect(edgeReached(edge, 109, 5)).toBe(true);
    expect(edgeReached(edge, 111, 0)).toBe(false);
  });

  it('refuses directives too far ahead: more than two segments, or past the Advance Part Limit', () => {
    expect(tooFarAhead(edge, 111, undefined)).toBe(false);
    expect(tooFarAhead(edge, 112, undefined)).toBe(true);
    // 3 / 0.334 s → 8 parts ahead allowed.
    expect(tooFarAhead(edge, 110, 8)).toBe(false);
    expect(tooFarAhead(edge, 110, 9)).toBe(true);
  });
});

describe('deltaPlaylist', () => {
  it('skips the segments older than CAN-SKIP-UNTIL and keeps the edge identical', () => {
    const full = renderMediaPlaylist(state(20));
    const delta = deltaPlaylist(full);
    // 20 complete segments of 1 s + 1/3 s open: the 14 first start more than 6 s before the end.
    expect(delta).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n');
    expect(delta).not.toContain('720p-000113.m4s');
    expect(delta).toContain('720p-000114.m4s');
    expect(delta).toContain('#EXT-X-MAP:URI="init-a.mp4"');
    expect(readPlaylistEdge(delta)).toEqual(readPlaylistEdge(full));
    expect(delta.split('\n').slice(-4).join('\n')).toBe(full.split('\n').slice(-4).join('\n'));
  });

  it('returns a short playlist unchanged', () => {
    const full = renderMediaPlaylist(state(4));
    expect(deltaPlaylist(full)).toBe(full);
  });
});
