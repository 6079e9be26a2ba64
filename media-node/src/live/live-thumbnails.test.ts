import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
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

  it('reads an LL-HLS fMP4 segment after its init section, never a part', async () => {
    const id = 'thumbnail-llhls-1';
    const dir = (await media.localDirectory(mediaKeys.livePrefix(id))).path;
    const scratch = mkdtempSync(join(tmpdir(), 'streamhub-thumb-fmp4-'));
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-f', 'hls', '-hls_time', '1'],
      ...['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'],
      ...['-hls_segment_filename', join(scratch, 'seg%d.m4s'), join(scratch, 'index.m3u8')],
    ]);
    // Named as the LL-HLS packager names them; a part (not a keyframe start, here not even media) is newest.
    await copyFile(join(scratch, 'init.mp4'), join(dir, '720p-init-000000.mp4'));
    await copyFile(join(scratch, 'seg0.m4s'), join(dir, '720p-000000.m4s'));
    await copyFile(join(scratch, 'seg1.m4s'), join(dir, '720p-000001.m4s'));
    await writeFile(join(dir, '720p-000002.p1.m4s'), Buffer.from('not a keyframe start'));
    expect(await takeThumbnail('ffmpeg', media, { outputDir: dir, playbackId: id })).toBe(true);
    const meta = await sharp(await readMediaBytes(media, mediaKeys.liveThumbnail(id))).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
  });

  it('does nothing before the first segment exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-thumb-'));
    expect(await takeThumbnail('ffmpeg', media, { outputDir: dir, playbackId: 'no-segments-1' })).toBe(false);
    expect(await media.stat(mediaKeys.liveThumbnail('no-segments-1'))).toBeUndefined();
  });
});
