/**
 * Finds ffmpeg when a video job first needs it, rather than at start-up: a gateway without ffmpeg still
 * serves everything else, and its video jobs fail with a reason the owner can read. A miss is not kept,
 * so installing ffmpeg takes effect without a restart.
 */
import { type FfmpegBinary, locateFfmpeg } from '../ffmpeg/locate.ts';

export function lazyFfmpegLocator(options: { ffmpegPath: string | undefined }): () => Promise<FfmpegBinary> {
  let found: Promise<FfmpegBinary> | undefined;
  return () => {
    found ??= locateFfmpeg(options).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}
