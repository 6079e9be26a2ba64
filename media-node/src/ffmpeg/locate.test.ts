import { describe, expect, it } from 'vitest';
import { FfmpegNotFoundError, locateFfmpeg } from './locate.ts';

describe('locateFfmpeg', () => {
  it('uses ffmpeg on PATH when FFMPEG_PATH is unset and reports its version line', async () => {
    const found = await locateFfmpeg({ ffmpegPath: undefined });
    expect(found).toMatchObject({ path: 'ffmpeg', ffprobePath: 'ffprobe', source: 'PATH' });
    expect(found.version).toMatch(/^ffmpeg version /);
  });

  it('prefers FFMPEG_PATH, with ffprobe beside it', async () => {
    const found = await locateFfmpeg({ ffmpegPath: '/usr/bin/ffmpeg' });
    expect(found).toMatchObject({
      path: '/usr/bin/ffmpeg',
      ffprobePath: '/usr/bin/ffprobe',
      source: 'FFMPEG_PATH',
    });
  });

  it('fails clearly when FFMPEG_PATH cannot run', async () => {
    await expect(locateFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(FfmpegNotFoundError);
    await expect(locateFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(
      /FFMPEG_PATH=\/nonexistent\/ffmpeg/,
    );
  });
});
