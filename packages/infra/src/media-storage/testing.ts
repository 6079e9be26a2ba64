/**
 * Where a filesystem media storage on `dataDir` keeps things, for tests that look at (or damage) the files
 * themselves: every path comes from the implementation's own key → path mapping.
 */
import { filesystemMediaPath } from './filesystem.ts';
import { type MediaCollection, type MediaPrefix, mediaKeys } from './keys.ts';

export function mediaPaths(dataDir: string) {
  return {
    /** `<dataDir>/media/<collection>`. */
    collection: (name: MediaCollection) => filesystemMediaPath(dataDir, name as MediaPrefix),
    /** A tus upload in progress. */
    upload: (videoId: string) => filesystemMediaPath(dataDir, mediaKeys.upload(videoId)),
    /** A video's accepted source. */
    source: (videoId: string) => filesystemMediaPath(dataDir, mediaKeys.vodSource(videoId)),
    /** A video's directory (source, ladder, poster, storyboard). */
    video: (videoId: string) => filesystemMediaPath(dataDir, mediaKeys.vodPrefix(videoId)),
    /** A live session's directory (HLS, thumbnail; afterwards its recording). */
    live: (playbackId: string) => filesystemMediaPath(dataDir, mediaKeys.livePrefix(playbackId)),
  };
}
