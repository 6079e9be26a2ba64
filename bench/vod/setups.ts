/**
 * The three ways the bench transcodes the clip to the default VOD ladder:
 * - `streamhub`: `transcodeToHls`, the function `produceVod` (and so the `video.process` job) runs for
 *   the ladder: argv with `-progress pipe:1`, progress parsing and throttling, master playlist read back;
 * - `ffmpeg`: the same command run by hand: `buildVodTranscodeArgs` without progress, spawned directly;
 * - `separate`: one ffmpeg per rendition, one after another, each decoding the source itself with
 *   that rendition's encoder settings.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaProbe } from '@streamhub/media-node/vod/probe';
import { transcodeToHls, vodSourceOf } from '@streamhub/media-node/vod/transcode';
import {
  buildVodTranscodeArgs,
  DEFAULT_VOD_LADDER,
  planVodRenditions,
  type VodLadderSettings,
  type VodRendition,
  type VodSource,
} from '@streamhub/media-node/vod/vod-ladder';
import { runFfmpeg } from './clip.ts';

export const SETUPS = ['streamhub', 'ffmpeg', 'separate'] as const;
export type SetupName = (typeof SETUPS)[number];

export const SETUP_LABEL: Record<SetupName, string> = {
  streamhub: 'StreamHub (transcodeToHls)',
  ffmpeg: 'plain ffmpeg, same command',
  separate: 'one ffmpeg per rendition',
};

export interface SetupContext {
  ffmpegPath: string;
  input: string;
  probe: MediaProbe;
  settings: VodLadderSettings;
}

/** Runs one setup into `outputDir`, which already exists; `separate` writes one sub-directory per rung. */
export async function runSetup(setup: SetupName, context: SetupContext, outputDir: string): Promise<void> {
  const { ffmpegPath, input, probe, settings } = context;
  if (setup === 'streamhub') {
    await transcodeToHls({ ffmpegPath, input, outputDir, probe, settings });
    return;
  }
  const source = vodSourceOf(probe);
  if (setup === 'ffmpeg') {
    await runFfmpeg(ffmpegPath, buildVodTranscodeArgs({ input, outputDir, source, settings }));
    return;
  }
  for (const { rendition, argv } of perRenditionCommands(input, outputDir, source, settings)) {
    // StreamHub's transcode, too, writes into a directory that already exists.
    await mkdir(join(outputDir, rendition.name));
    await runFfmpeg(ffmpegPath, argv);
  }
}

/**
 * One command per rendition of the full ladder: the ladder builder given that rung alone (so the
 * command is StreamHub's own, with `split=1`), written to `<outputDir>/<name>/`. A rung alone would be
 * the top one and get the top's audio bitrate, so the rendition's own is put back; the plan is checked
 * to match the full ladder's, so both sides encode exactly the same pictures at the same bitrates.
 */
export function perRenditionCommands(
  input: string,
  outputDir: string,
  source: VodSource,
  settings: VodLadderSettings = DEFAULT_VOD_LADDER,
): { rendition: VodRendition; argv: string[] }[] {
  return planVodRenditions(source, settings.ladder).map((rendition) => {
    const box = Number.parseInt(rendition.name, 10);
    const alone = { ...settings, ladder: [box] };
    const [planned] = planVodRenditions(source, alone.ladder);
    if (
      !planned ||
      planned.width !== rendition.width ||
      planned.height !== rendition.height ||
      planned.videoKbps !== rendition.videoKbps
    )
      throw new Error(`rung ${rendition.name} alone plans differently from the full ladder`);
    const argv = buildVodTranscodeArgs({
      input,
      outputDir: join(outputDir, rendition.name),
      source,
      settings: alone,
    });
    if (source.hasAudio) {
      const at = argv.indexOf('-b:a:0');
      if (at < 0) throw new Error('no -b:a:0 in the one-rung command');
      argv[at + 1] = `${rendition.audioKbps}k`;
    }
    return { rendition, argv };
  });
}
