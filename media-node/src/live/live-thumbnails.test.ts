import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { readMediaBytes } from '@streamhub/infra/media-storage/port';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { takeThumbnail } from './live-thumbnails.ts';

const run = promisify(execFile);

const media = new FilesystemMediaStorage({ dataDir: mkdtempSync(join(tmpdir(), 'streamhub-thumb-')) });
const playbackId = 'thumbnail-test-1';

describe('live thumbnails', () => {
  it('turns the newest segment into a 640×360 JPEG', async () => {
    const dir = (await media.localDirectory(mediaKeys.livePrefix(playbackId))).path;
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
    expect(await takeThumbnail('ffmpeg', media, { outputDir: dir, playbackId })).toBe(true);
    const meta = await sharp(await readMediaBytes(media, mediaKeys.liveThumbnail(playbackId))).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
  });

  it('does nothing before the first segment exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-thumb-'));
    expect(await takeThumbnail('ffmpeg', media, { outputDir: dir, playbackId: 'no-segments-1' })).toBe(false);
    expect(await media.stat(mediaKeys.liveThumbnail('no-segments-1'))).toBeUndefined();
  });
});
