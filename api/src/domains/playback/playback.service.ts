/** Live playback's rules: a session's HLS is served only while it is live; a live channel's thumbnail. */
import { notFound } from '@streamhub/errors/app-error';
import { mediaKeys, tryKey } from '@streamhub/infra/media-storage/keys';
import type { ByteRange, MediaStorage } from '@streamhub/infra/media-storage/port';
import { answerMedia, type MediaAnswer, type MediaHeaders } from '../../media/media-response.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { resolveHlsFile } from './hls-files.ts';

export interface PlaybackServiceDeps {
  media: MediaStorage;
  channels: Pick<ChannelsService, 'publicChannel' | 'playbackState'>;
}

export type PlaybackFile = { answer: MediaAnswer; headers: MediaHeaders };

export class PlaybackService {
  constructor(private readonly deps: PlaybackServiceDeps) {}

  /** `/hls/<playbackId>/<rest>`: a live session's playlist or segment. */
  async liveFile(playbackId: string, rest: string, range: ByteRange | undefined): Promise<PlaybackFile> {
    const prefix = tryKey(() => mediaKeys.livePrefix(playbackId));
    const file = prefix && resolveHlsFile(prefix, rest);
    if (!file) throw notFound('That playback file');
    // Only while live (the reconnect grace included: the session is live until it ends). After the end a
    // recording is its video's, served under /vod/ as that video's visibility allows; the playback id,
    // public while live, must not lead around a private or deleted video to the same files.
    if ((await this.deps.channels.playbackState(playbackId)) !== 'live') throw notFound('That stream');
    const answer = await answerMedia(this.deps.media, file.key, { kind: 'public' }, range);
    if (!answer) throw notFound('That playback file');
    return { answer, headers: file };
  }

  /** The thumbnail of a live channel, refreshed every LIVE_THUMBNAIL_SECONDS while live. */
  async liveThumbnail(slug: string, range: ByteRange | undefined): Promise<PlaybackFile> {
    const { session } = await this.deps.channels.publicChannel(slug);
    const key = session && tryKey(() => mediaKeys.liveThumbnail(session.playbackId));
    const answer = key && (await answerMedia(this.deps.media, key, { kind: 'public' }, range));
    if (!answer) throw notFound('A live thumbnail');
    return { answer, headers: { contentType: 'image/jpeg', cacheControl: 'public, max-age=15' } };
  }
}
