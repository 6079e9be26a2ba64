import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, lowLatencyFor } from './config.ts';

const load = (env: Record<string, string>) => loadConfig(env, { envFile: false });

describe('media node settings', () => {
  it('defaults: RTMP 1935, 1080/720/480/360 ladder, 2 s segments, 30 s reconnect grace, LL-HLS for the channels that ask, no DVR, SRT or restreaming', () => {
    expect(load({}).media).toEqual({
      rtmpPort: 1935,
      rtmpPublicUrl: 'rtmp://localhost:1935/live',
      nodeId: undefined,
      nodeLeaseSeconds: 10,
      ffmpegPath: undefined,
      ladder: [1080, 720, 480, 360],
      segmentSeconds: 2,
      windowSegments: 6,
      reconnectGraceSeconds: 30,
      thumbnailSeconds: 30,
      x264Preset: 'veryfast',
      lowLatency: 'optional',
      partTargetSeconds: 0.201,
      dvrSeconds: 0,
      srtPort: undefined,
      srtEncryption: undefined,
      restream: { maxDestinations: 5, secret: undefined },
      clipsPerUserPerHour: 10,
    });
  });

  it('parses a custom ladder (sorted, deduplicated), passthrough and low-latency segments', () => {
    expect(load({ LIVE_LADDER: '360,720,720' }).media.ladder).toEqual([720, 360]);
    expect(load({ LIVE_LADDER: 'passthrough' }).media.ladder).toBe('passthrough');
    expect(load({ LIVE_SEGMENT_SECONDS: '1', FFMPEG_PATH: '/opt/ffmpeg' }).media).toMatchObject({
      segmentSeconds: 1,
      ffmpegPath: '/opt/ffmpeg',
    });
  });

  it('takes MEDIA_NODE_ID as the node id (empty means unset), and refuses anything but 1-64 of [A-Za-z0-9._:-]', () => {
    expect(load({ MEDIA_NODE_ID: 'edge-1.eu:1935' }).media.nodeId).toBe('edge-1.eu:1935');
    expect(load({ MEDIA_NODE_ID: 'n'.repeat(64) }).media.nodeId).toBe('n'.repeat(64));
    expect(load({ MEDIA_NODE_ID: '' }).media.nodeId).toBeUndefined();
    for (const bad of ['edge 1', 'edge/1', 'n'.repeat(65), 'nœud']) {
      expect(() => load({ MEDIA_NODE_ID: bad })).toThrow(
        `MEDIA_NODE_ID must be 1-64 letters, digits or ._:- (got "${bad}")`,
      );
    }
  });

  it("derives the public RTMP URL from PUBLIC_URL's host and RTMP_PORT unless RTMP_PUBLIC_URL says otherwise", () => {
    expect(
      load({ PUBLIC_URL: 'https://live.example:8443/base/', RTMP_PORT: '1936' }).media.rtmpPublicUrl,
    ).toBe('rtmp://live.example:1936/live');
    expect(load({ PUBLIC_URL: 'http://[::1]:3000' }).media.rtmpPublicUrl).toBe('rtmp://[::1]:1935/live');
    expect(
      load({ PUBLIC_URL: 'https://live.example', RTMP_PUBLIC_URL: 'rtmps://ingest.example:443/live/' }).media
        .rtmpPublicUrl,
    ).toBe('rtmps://ingest.example:443/live');
    expect(load({ RTMP_PUBLIC_URL: '' }).media.rtmpPublicUrl).toBe('rtmp://localhost:1935/live');
    expect(() => load({ RTMP_PUBLIC_URL: 'https://ingest.example/live' })).toThrow(
      'RTMP_PUBLIC_URL must be a URL starting with rtmp:// or rtmps:// (got "https://ingest.example/live")',
    );
  });

  it('reads LIVE_LL_HLS as off, optional or on (true/false the older spellings), and lets a channel choose inside it', () => {
    expect(load({ LIVE_LL_HLS: 'on' }).media.lowLatency).toBe('on');
    expect(load({ LIVE_LL_HLS: 'true' }).media.lowLatency).toBe('on');
    expect(load({ LIVE_LL_HLS: 'false' }).media.lowLatency).toBe('off');
    expect(load({ LIVE_LL_HLS: 'optional' }).media.lowLatency).toBe('optional');
    expect(() => load({ LIVE_LL_HLS: 'sometimes' })).toThrow(/LIVE_LL_HLS must be off, optional or on/);
    // The instance's mode is the default for a channel without a choice, and `off` overrides any choice.
    expect([null, true, false].map((choice) => lowLatencyFor('optional', choice))).toEqual([
      false,
      true,
      false,
    ]);
    expect([null, true, false].map((choice) => lowLatencyFor('on', choice))).toEqual([true, true, false]);
    expect([null, true, false].map((choice) => lowLatencyFor('off', choice))).toEqual([false, false, false]);
  });

  it('reads SRT_PASSPHRASE (10-79 characters) and SRT_PBKEYLEN (16, 24 or 32) as the SRT encryption', () => {
    expect(load({ SRT_PASSPHRASE: 'correct horse battery' }).media.srtEncryption).toEqual({
      passphrase: 'correct horse battery',
    });
    expect(load({ SRT_PASSPHRASE: 'correct horse battery', SRT_PBKEYLEN: '32' }).media.srtEncryption).toEqual(
      {
        passphrase: 'correct horse battery',
        keyLength: 32,
      },
    );
    expect(load({ SRT_PASSPHRASE: '' }).media.srtEncryption).toBeUndefined();
    expect(() => load({ SRT_PASSPHRASE: 'short' })).toThrow(/SRT_PASSPHRASE must be 10 to 79 characters/);
    expect(() => load({ SRT_PBKEYLEN: '20' })).toThrow(/SRT_PBKEYLEN must be 16, 24 or 32/);
  });

  it('names the bad variable', () => {
    expect(() => load({ LIVE_LADDER: '720p' })).toThrow(ConfigError);
    expect(() => load({ LIVE_LADDER: '720p' })).toThrow(/LIVE_LADDER must be passthrough/);
    expect(() => load({ RTMP_PORT: '70000' })).toThrow(/RTMP_PORT/);
    expect(() => load({ LIVE_X264_PRESET: 'slowest' })).toThrow(/LIVE_X264_PRESET/);
  });
});
