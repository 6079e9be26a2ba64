import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { THUMBNAIL_FILE, takeThumbnail } from './live-thumbnails.ts';

const run = promisify(execFile);

describe('live thumbnails', () => {
  it('turns the newest segment into a 640×360 JPEG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-thumb-'));
    // Two real HLS segments of a 1280×720 test pattern, as the ladder writes them.
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30',
      '-t',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '30',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_segment_filename',
      join(dir, '720p-%06d.ts'),
      join(dir, '720p.m3u8'),
    ]);
    expect(await takeThumbnail('ffmpeg', dir)).toBe(true);
    const meta = await sharp(join(dir, THUMBNAIL_FILE)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
  });

  it('does nothing before the first segment exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-thumb-'));
    expect(await takeThumbnail('ffmpeg', dir)).toBe(false);
  });
});
