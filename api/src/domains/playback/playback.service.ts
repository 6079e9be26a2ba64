/** Live playback's rules: a session's HLS is served only while it is live; a live channel's thumbnail. */
import { AppError, badRequest, notFound } from '@streamhub/errors/app-error';
import {
  keyIn,
  type MediaKey,
  type MediaPrefix,
  mediaKeys,
  tryKey,
} from '@streamhub/infra/media-storage/keys';
import type { ByteRange, MediaStorage } from '@streamhub/infra/media-storage/port';
import { deltaPlaylist, edgeReached, tooFarAhead } from '@streamhub/media-node/live/llhls/media-playlist';
import { answerMedia, type MediaAnswer, type MediaHeaders } from '../../media/media-response.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { type HlsFile, resolveHlsFile } from './hls-files.ts';
import { LivePartCache } from './live-part-cache.ts';
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
export const PART_NAME = /^([A-Za-z0-9_-]+)-(\d{6})\.p(\d{1,4})\.m4s$/;

export type PlaybackFile = { answer: MediaAnswer; headers: MediaHeaders };

/**
 * How long a playback id's live state is reused for LL-HLS requests (blocking reloads, parts): their
 * viewers ask several times a second each, so one database read per id per second instead of one per
 * request. An ended session's parts are thus served at most this much longer (its files are deleted only
 * after it ended); every other request reads the state afresh.
 */
const LIVE_STATE_TTL_MS = 1000;
const LIVE_STATE_CACHE_MAX = 10_000;

/** A listed part or an answered blocking reload, ready to send as it is (the LL fast path, ll-fast-path.ts). */
export type ReadyLlAnswer =
  | { kind: 'playlist'; body: Uint8Array; headers: HlsFile }
  | { kind: 'part'; body: Uint8Array; headers: HlsFile; etag: string; lastModified: string };

export class PlaybackService {
  private readonly liveStates = new Map<
    string,
    { state: Promise<string>; until: number; settled: string | undefined }
  >();
  /** State reads under way for requests that may not reuse one: concurrent requests share the read. */
  private readonly stateReads = new Map<string, Promise<string>>();
  /** Delta updates rendered once per playlist read, not once per request. */
  private readonly deltas = new WeakMap<PlaylistSnapshot, Uint8Array>();
  /** The newest parts of every live rendition, read once from the storage and sent to every viewer. */
  private readonly parts: LivePartCache;

  constructor(private readonly deps: PlaybackServiceDeps) {
    this.parts = new LivePartCache(deps.media);
  }

  private playbackState(playbackId: string, reuse: boolean): Promise<string> {
    if (!reuse) {
      // Not reused once read, but shared while being read: a thousand viewers joining in the same second
      // cost one database read each otherwise (their first, plain playlist load), a burst that held the
      // LL requests of the viewers already watching behind it. A read shared this way started at most
      // one read's duration before the request came.
      let read = this.stateReads.get(playbackId);
      if (!read) {
        read = this.deps.channels.playbackState(playbackId).finally(() => this.stateReads.delete(playbackId));
        this.stateReads.set(playbackId, read);
      }
      return read;
    }
    const now = Date.now();
    const cached = this.liveStates.get(playbackId);
    if (cached && cached.until > now) return cached.state;
    if (this.liveStates.size >= LIVE_STATE_CACHE_MAX) this.liveStates.clear();
    const state = this.deps.channels.playbackState(playbackId);
    const entry = { state, until: now + LIVE_STATE_TTL_MS, settled: undefined as string | undefined };
    this.liveStates.set(playbackId, entry);
    state.then(
      (value) => {
        entry.settled = value;
      },
      // A failed read is not remembered.
      () => this.liveStates.delete(playbackId),
    );
    return state;
  }

  /** Whether a playback id is known live from a state read the LL requests may still reuse (no wait). */
  private knownLive(playbackId: string): boolean {
    const cached = this.liveStates.get(playbackId);
    return cached !== undefined && cached.settled === 'live' && cached.until > Date.now();
  }

  /**
   * The LL-HLS requests every viewer makes several times a second, answered without waiting when they
   * can be: a part the freshest playlist lists and memory holds, or a blocking reload that playlist
   * already satisfies, for a playback id known live. Undefined for anything else (the caller takes the
   * full path, with every rule and error). `file` is the resolved `rest` under the session's prefix.
   */
  readyLlAnswer(
    playbackId: string,
    prefix: MediaPrefix,
    file: HlsFile,
    ask: { rendition: string; msn: number; part: number | undefined; skip: boolean; isPart: boolean },
  ): ReadyLlAnswer | undefined {
    if (!this.knownLive(playbackId)) return undefined;
    const listed = this.deps.watch.latestOf(keyIn(prefix, `${ask.rendition}.m3u8`));
    if (!listed || !edgeReached(listed.edge, ask.msn, ask.part)) return undefined;
    if (!ask.isPart)
      return { kind: 'playlist', body: ask.skip ? this.delta(listed) : listed.bytes, headers: file };
    const held = this.parts.peek(file.key);
    return (
      held && {
        kind: 'part',
        body: held.bytes,
        headers: file,
        etag: held.stat.etag,
        lastModified: held.lastModified,
      }
    );
  }

  /** `/hls/<playbackId>/<rest>`: a live session's playlist or segment. */
  async liveFile(playbackId: string, rest: string, range: ByteRange | undefined): Promise<PlaybackFile> {
    const part = PART_NAME.exec(rest);
    const { prefix, file } = await this.liveResolve(playbackId, rest, part !== null);
    if (!part) {
      const answer = await answerMedia(this.deps.media, file.key, { kind: 'public' }, range);
      if (!answer) throw notFound('That playback file');
      return { answer, headers: file };
    }
    const [, rendition = '', msn = '0', index = '0'] = part;
    const asked = { msn: Number(msn), part: Number(index) };
    const listed = this.deps.watch.latestOf(keyIn(prefix, `${rendition}.m3u8`));
    // A part the freshest playlist lists is complete and final: from memory, to every viewer asking.
    let answer =
      listed && edgeReached(listed.edge, asked.msn, asked.part)
        ? await this.partAnswer(file.key, range)
        : await answerMedia(this.deps.media, file.key, { kind: 'public' }, range);
    // A preload-hinted LL-HLS part is asked for before it exists: answered as soon as it does.
    if (!answer && (await this.untilReached(playbackId, prefix, rendition, asked))) {
      answer = await this.partAnswer(file.key, range);
    }
    if (!answer) throw notFound('That playback file');
    return { answer, headers: file };
  }

  /** A listed part: from the part cache, unless the storage redirects or a range is asked for. */
  private async partAnswer(key: MediaKey, range: ByteRange | undefined): Promise<MediaAnswer | undefined> {
    const url = await this.deps.media.url(key, { kind: 'public' });
    if (url) return { redirect: url };
    if (range) return answerMedia(this.deps.media, key, { kind: 'public' }, range);
    const read = await this.parts.read(key);
    return read && { read };
  }

  /**
   * A live media playlist under LL-HLS delivery directives: held until it holds the asked segment or part
   * (400 when that is too far ahead, 503 after three target durations), as a delta update when asked.
   */
  async livePlaylist(
    playbackId: string,
    rest: string,
    directives: DeliveryDirectives,
  ): Promise<{ body: Uint8Array; headers: HlsFile }> {
    const { prefix, file } = await this.liveResolve(playbackId, rest, true);
    const rendition = rest.endsWith('.m3u8') && !rest.includes('/') ? rest.slice(0, -5) : undefined;
    if (!rendition) throw notFound('That playlist');
    let snapshot: PlaylistSnapshot | undefined;
    if (directives.msn === undefined) snapshot = await this.deps.watch.read(file.key);
    else snapshot = await this.untilReached(playbackId, prefix, rendition, directives);
    if (!snapshot) throw notFound('That playlist');
    // The same bytes for every request the snapshot answers: no rendering or encoding per request.
    return { body: directives.skip ? this.delta(snapshot) : snapshot.bytes, headers: file };
  }

  private delta(snapshot: PlaylistSnapshot): Uint8Array {
    let bytes = this.deltas.get(snapshot);
    if (bytes === undefined) {
      bytes = Buffer.from(deltaPlaylist(snapshot.text), 'utf8');
      this.deltas.set(snapshot, bytes);
    }
    return bytes;
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

  /**
   * Whether a live session has its first thumbnail yet (it is written a few seconds into the stream),
   * so a page offers it as the poster only once asking for it will not answer 404.
   */
  async hasLiveThumbnail(playbackId: string): Promise<boolean> {
    const key = tryKey(() => mediaKeys.liveThumbnail(playbackId));
    return key !== undefined && (await this.deps.media.stat(key)) !== undefined;
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
