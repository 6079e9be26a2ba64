import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { interpretProbe, NotAVideoError, parseFrameRate, probeMedia } from './probe.ts';
import { makeAudioOnly, makeClip } from './testing/clips.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'streamhub-probe-'));

describe('probeMedia', () => {
  it('reads container, duration, video and audio of a generated clip', async () => {
    const file = await makeClip(join(dir, 'clip.mp4'), { seconds: 2, size: '640x360', rate: 25 });
    const probe = await probeMedia('ffprobe', file);
    expect(probe.formatName).toContain('mp4');
    expect(probe.durationMs).toBeGreaterThan(1900);
    expect(probe.durationMs).toBeLessThan(2200);
    expect(probe.video).toEqual({ codec: 'h264', width: 640, height: 360, fps: 25 });
    expect(probe.audio).toEqual({ codec: 'aac' });
  });

  it('rejects a text file renamed .mp4', async () => {
    const file = join(dir, 'notes.mp4');
    writeFileSync(file, 'this is not a video, just some text\n'.repeat(50));
    const error = await probeMedia('ffprobe', file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAVideoError);
    expect((error as Error).message).toBe('The file has no video stream ffmpeg can decode');
  });

  it('rejects an audio-only file', async () => {
    const file = await makeAudioOnly(join(dir, 'tone.m4a'), 1);
    await expect(probeMedia('ffprobe', file)).rejects.toBeInstanceOf(NotAVideoError);
  });

  it('rejects a still image, whatever its name', async () => {
    const file = join(dir, 'picture.mp4');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240',
      '-frames:v',
      '1',
      '-f',
      'image2',
      '-c:v',
      'png',
      '-y',
      file,
    ]);
    await expect(probeMedia('ffprobe', file)).rejects.toThrow('The file is a still image, not a video');
  });

  it('reports a missing ffprobe as a plain error, not as a bad file', async () => {
    const file = await makeClip(join(dir, 'clip2.mp4'), { seconds: 1 });
    const error = await probeMedia('/nonexistent/ffprobe', file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(NotAVideoError);
  });
});

describe('interpretProbe', () => {
  it('does not count cover art as a video', () => {
    const json = {
      format: { format_name: 'mp3', duration: '3.0' },
      streams: [
        { codec_type: 'audio', codec_name: 'mp3' },
        {
          codec_type: 'video',
          codec_name: 'mjpeg',
          width: 500,
          height: 500,
          disposition: { attached_pic: 1 },
        },
      ],
    };
    expect(() => interpretProbe(json)).toThrow(NotAVideoError);
  });

  it('falls back to the stream duration and r_frame_rate', () => {
    const probe = interpretProbe({
      format: { format_name: 'matroska,webm' },
      streams: [
        {
          codec_type: 'video',
          codec_name: 'vp9',
          width: 320,
          height: 240,
          avg_frame_rate: '0/0',
          r_frame_rate: '30000/1001',
          duration: '4.5',
        },
      ],
    });
    expect(probe).toMatchObject({ durationMs: 4500, video: { fps: 29.97 }, audio: undefined });
  });

  it('reports a quarter-turned stream with its displayed size', () => {
    const stream = { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080 };
    const matrix = { ...stream, side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] };
    expect(interpretProbe({ streams: [matrix] }).video).toMatchObject({ width: 1080, height: 1920 });
    const tagged = { ...stream, tags: { rotate: '180' } };
    expect(interpretProbe({ streams: [tagged] }).video).toMatchObject({ width: 1920, height: 1080 });
  });

  it('parses frame rates', () => {
    expect(parseFrameRate('30/1')).toBe(30);
    expect(parseFrameRate('0/0')).toBe(0);
    expect(parseFrameRate(undefined)).toBe(0);
    expect(parseFrameRate('x')).toBe(0);
  });
});
