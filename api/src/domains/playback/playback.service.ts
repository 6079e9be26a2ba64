/** Live playback's rules: a session's HLS is served only while it is live; a live channel's thumbnail. */
import { Readable } from 'node:stream';
import { AppError, badRequest, notFound } from '@streamhub/errors/app-error';
import {
  keyIn,
  type MediaKey,
  type MediaPrefix,
  mediaKeys,
  tryKey,
} from '@streamhub/infra/media-storage/keys';
import type { ByteRange, MediaStat, MediaStorage } from '@streamhub/infra/media-storage/port';
import { deltaPlaylist, tooFarAhead } from '@streamhub/media-node/live/llhls/media-playlist';
import { answerMedia, type MediaAnswer, type MediaHeaders } from '../../media/media-response.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { type HlsFile, resolveHlsFile } from './hls-files.ts';
import { type LivePlaylistWatch, type PlaylistSnapshot, watchKeyOf } from './live-playlist-watch.ts';

export interface PlaybackServiceDeps {
  media: MediaStorage;
  channels: Pick<ChannelsService, 'publicChannel' | 'playbackState'>;
  /** Where blocking LL-HLS requests wait for new parts. */
  watch: LivePlaylistWatch;
}

/** LL-HLS delivery directives of a playlist request (RFC 8216bis §6.2.5). */
export interface DeliveryDirectives {
  msn?: number;
  part?: number;
  /** `_HLS_skip=YES` (or `v2`): a delta update. */
  skip?: boolean;
}

/** A blocking request is answered 503 after this many target durations (RFC 8216bis §6.2.5.2). */
export const BLOCKING_TARGET_DURATIONS = 3;

// `<rendition>-<msn>.p<index>.m4s`, as the media node's LL-HLS packager names parts.
const PART_NAME = /^([A-Za-z0-9_-]+)-(\d{6})\.p(\d{1,4})\.m4s$/;

export type PlaybackFile = { answer: MediaAnswer; headers: MediaHeaders };

/**
 * How long a playback id's live state is reused for LL-HLS requests (blocking reloads, parts): their
 * viewers ask several times a second each, so one database read per id per second instead of one per
 * request. An ended session's parts are thus served at most this much longer (its files are deleted only
 * after it ended); every other request reads the state afresh.
 */
const LIVE_STATE_TTL_MS = 1000;
const LIVE_STATE_CACHE_MAX = 10_000;

/**
 * LL-HLS parts are small, never change and are fetched by every viewer within a second of existing: the
 * gateway keeps the newest in memory briefly, so a thousand viewers cost one storage read per part.
 */
const PART_CACHE_MS = 10_000;
const PART_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export class PlaybackService {
  private readonly parts = new Map<MediaKey, { bytes: Buffer; stat: MediaStat; at: number }>();
  private partBytes = 0;
  private readonly liveStates = new Map<string, { state: Promise<string>; until: number }>();

  constructor(private readonly deps: PlaybackServiceDeps) {}

  private playbackState(playbackId: string, reuse: boolean): Promise<string> {
    if (!reuse) return this.deps.channels.playbackState(playbackId);
    const now = Date.now();
    const cached = this.liveStates.get(playbackId);
    if (cached && cached.until > now) return cached.state;
    if (this.liveStates.size >= LIVE_STATE_CACHE_MAX) this.liveStates.clear();
    const state = this.deps.channels.playbackState(playbackId);
    this.liveStates.set(playbackId, { state, until: now + LIVE_STATE_TTL_MS });
    // A failed read is not remembered.
    state.catch(() => this.liveStates.delete(playbackId));
    return state;
  }

  /** `/hls/<playbackId>/<rest>`: a live session's playlist or segment. */
  async liveFile(playbackId: string, rest: string, range: ByteRange | undefined): Promise<PlaybackFile> {
    const isPart = PART_NAME.test(rest);
    const { prefix, file } = await this.liveResolve(playbackId, rest, isPart);
    if (isPart && !range) {
      const cached = await this.cachedPart(file.key);
      if (cached) return { answer: cached, headers: file };
    }
    let answer = await answerMedia(this.deps.media, file.key, { kind: 'public' }, range);
    // A preload-hinted LL-HLS part is asked for before it exists: answered as soon as it does.
    const hinted = !answer && PART_NAME.exec(rest);
    if (hinted) {
      const [, rendition = '', msn = '0', index = '0'] = hinted;
      const reached = await this.untilReached(playbackId, prefix, rendition, {
        msn: Number(msn),
        part: Number(index),
      });
      if (reached) answer = await answerMedia(this.deps.media, file.key, { kind: 'public' }, range);
    }
    if (!answer) throw notFound('That playback file');
    return { answer, headers: file };
  }

  /**
   * A live media playlist under LL-HLS delivery directives: held until it holds the asked segment or part
   * (400 when that is too far ahead, 503 after three target durations), as a delta update when asked.
   */
  async livePlaylist(
    playbackId: string,
    rest: string,
    directives: DeliveryDirectives,
  ): Promise<{ text: string; headers: HlsFile }> {
    const { prefix, file } = await this.liveResolve(playbackId, rest, true);
    const rendition = rest.endsWith('.m3u8') && !rest.includes('/') ? rest.slice(0, -5) : undefined;
    if (!rendition) throw notFound('That playlist');
    let snapshot: PlaylistSnapshot | undefined;
    if (directives.msn === undefined) snapshot = await this.deps.watch.read(file.key);
    else snapshot = await this.untilReached(playbackId, prefix, rendition, directives);
    if (!snapshot) throw notFound('That playlist');
    return { text: directives.skip ? deltaPlaylist(snapshot.text) : snapshot.text, headers: file };
  }

  private async untilReached(
    playbackId: string,
    prefix: MediaPrefix,
    rendition: string,
    directives: { msn?: number; part?: number },
  ): Promise<PlaylistSnapshot | undefined> {
    const key = keyIn(prefix, `${rendition}.m3u8`);
    const current = await this.deps.watch.read(key);
    const msn = directives.msn ?? 0;
    if (!current) return undefined;
    if (tooFarAhead(current.edge, msn, directives.part)) {
      throw badRequest('The requested segment or part is too far ahead of the live edge.');
    }
    const timeoutMs = BLOCKING_TARGET_DURATIONS * Math.max(1, current.edge.targetDuration) * 1000;
    const reached = await this.deps.watch.until(
      watchKeyOf(playbackId, rendition),
      key,
      msn,
      directives.part,
      timeoutMs,
    );
    if (!reached) {
      throw new AppError(503, 'service_unavailable', 'The stream did not reach that part in time.', {
        headers: { 'Retry-After': '1' },
      });
    }
    return reached;
  }

  /** A part from memory, read once from the storage (when it serves through the gateway at all). */
  private async cachedPart(key: MediaKey): Promise<MediaAnswer | undefined> {
    const now = Date.now();
    let entry = this.parts.get(key);
    if (!entry || now - entry.at > PART_CACHE_MS) {
      if (await this.deps.media.url(key, { kind: 'public' })) return undefined;
      const read = await this.deps.media.read(key);
      if (!read) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of read.body) chunks.push(Buffer.from(chunk as Uint8Array));
      entry = { bytes: Buffer.concat(chunks), stat: read.stat, at: now };
      this.parts.set(key, entry);
      this.partBytes += entry.bytes.length;
      // Oldest first out (a Map iterates in insertion order).
      for (const [old, value] of this.parts) {
        if (this.partBytes <= PART_CACHE_MAX_BYTES && now - value.at <= PART_CACHE_MS) break;
        this.parts.delete(old);
        this.partBytes -= value.bytes.length;
      }
    }
    const { bytes, stat } = entry;
    return {
      read: { stat, range: { start: 0, end: bytes.length - 1 }, body: Readable.from([bytes]) },
    };
  }

  private async liveResolve(
    playbackId: string,
    rest: string,
    lowLatency: boolean,
  ): Promise<{ prefix: MediaPrefix; file: HlsFile }> {
    const prefix = tryKey(() => mediaKeys.livePrefix(playbackId));
    const file = prefix && resolveHlsFile(prefix, rest);
    if (!prefix || !file) throw notFound('That playback file');
    // Only while live (the reconnect grace included: the session is live until it ends). After the end a
    // recording is its video's, served under /vod/ as that video's visibility allows; the playback id,
    // public while live, must not lead around a private or deleted video to the same files.
    if ((await this.playbackState(playbackId, lowLatency)) !== 'live') throw notFound('That stream');
    return { prefix, file };
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
