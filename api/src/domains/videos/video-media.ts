/** Removing a video's stored media, wherever the storage keeps it: used by deletions and clean-ups. */
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';

/**
 * Every object of the video, the partial upload included, and for a recording the broadcast's own files
 * too (its video is the only way left to them). Missing ones are fine (deletion is retried).
 */
export async function removeVideoMedia(
  media: MediaStorage,
  videoId: string,
  recordingPlaybackId?: string | null,
): Promise<void> {
  await media.delete(mediaKeys.upload(videoId));
  await media.deletePrefix(mediaKeys.vodPrefix(videoId));
  if (recordingPlaybackId) await media.deletePrefix(mediaKeys.livePrefix(recordingPlaybackId));
}
