/**
 * A lean path for the two LL-HLS requests every viewer makes per part (a blocking playlist reload, then
 * the part), taken before the gateway's dispatch. At 1,000 viewers and 201 ms parts that is about
 * 10,000 requests a second, arriving in bursts: when a part lands about 1,000 held reloads are answered
 * and 1,000 part requests follow, so the CPU per request is how late the last viewer gets the part.
 * The full path (Hono's context, router and query parsing, the guards, a header set per request, the
 * deadline promise) cost about three times a bare server's work per request (docs/benchmarks.md, Low-
 * Latency HLS). Here a request is recognised from its URL, answered with the snapshot's or the cached
 * part's own bytes and a header set made once per kind of file, and observed (metrics, access line) as
 * any other.
 *
 * Only the common case comes here: a GET without `Range`, `If-None-Match`, `Origin` or a caller's
 * request id, of a media playlist with well-formed delivery directives or of a part the freshest
 * playlist lists and memory holds, for a playback id known live. The rules are the service's own
 * (`PlaybackService.readyLlAnswer`, `livePlaylist`). Everything else, and every failure, is answered
 * by the full path: a blocking reload that failed after waiting hands its error over
 * ({@link decidedFailure}) rather than being waited for again.
 */
import { type MediaPrefix, mediaKeys, tryKey } from '@streamhub/infra/media-storage/keys';
import { type HlsFile, resolveHlsFile } from './hls-files.ts';
import {
  type DeliveryDirectives,
  PART_NAME,
  type PlaybackService,
  type ReadyLlAnswer,
} from './playback.service.ts';

/** The route the full path answers these requests with: the same label in metrics. */
export const HLS_ROUTE = '/hls/:playbackId/:rest{.+}';

export interface LlFastPathOptions {
  playback: PlaybackService;
  /** The headers the gateway's first layer puts on a response to a request without `Origin`. */
  earlyHeaders: readonly (readonly [string, string])[];
  /** Makes a request id (the same shape as the first layer's). */
  requestId: () => string;
  /** Metrics and the access line of an answered request (`startedAt` from `performance.now()`). */
  observe(requestId: string, path: string, status: number, startedAt: number): void;
}

type Answer = Response | Promise<Response>;

/** What a URL path resolved to, kept for the next viewer asking the same path. */
interface Target {
  playbackId: string;
  prefix: MediaPrefix;
  file: HlsFile;
  rendition: string;
  /** For a part: its segment and index; for a playlist, undefined. */
  part: { msn: number; index: number } | undefined;
}

// `<rendition>.m3u8`, as the media node's LL-HLS packager names media playlists.
const PLAYLIST_NAME = /^([A-Za-z0-9_-]+)\.m3u8$/;
// hls.js's order; any other form (or anything more) takes the full path, which validates it.
const DIRECTIVES = /^_HLS_msn=(\d{1,9})(?:&_HLS_part=(\d{1,9}))?(&_HLS_skip=(?:YES|v2))?$/;
const TARGETS_MAX = 10_000;

/** Errors of requests the fast path gave up on after the service decided them, for the full path. */
const decided = new WeakMap<Request, unknown>();

/**
 * The error the service already decided for a request the fast path handed to the full path (a blocking
 * reload that timed out, or asked too far ahead); undefined for every other request.
 */
export function decidedFailure(request: Request): unknown {
  return decided.get(request);
}

/**
 * Returns `handle(request, full)`: the answer of the fast path, or of `full` (the gateway's dispatch)
 * for a request it does not take.
 */
export function llFastPath(options: LlFastPathOptions): (request: Request, full: () => Answer) => Answer {
  const { playback, requestId, observe } = options;
  const targets = new Map<string, Target | null>();
  const headersOf = headerSets(options.earlyHeaders);

  const resolve = (path: string): Target | undefined => {
    let target = targets.get(path);
    if (target === undefined) {
      target = resolveTarget(path) ?? null;
      if (targets.size >= TARGETS_MAX) targets.clear();
      targets.set(path, target);
    }
    return target ?? undefined;
  };

  const send = (answer: ReadyLlAnswer, path: string, startedAt: number): Response => {
    const id = requestId();
    const response = new Response(answer.body as Uint8Array<ArrayBuffer>, {
      headers: answer.kind === 'part' ? headersOf.part(answer) : headersOf.playlist(answer.headers),
    });
    response.headers.set('X-Request-Id', id);
    observe(id, path, 200, startedAt);
    return response;
  };

  return (request, full) => {
    if (request.method !== 'GET') return full();
    const url = request.url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    if (url.startsWith('/hls/', pathStart) === false) return full();
    const headers = request.headers;
    if (
      headers.has('range') ||
      headers.has('if-none-match') ||
      headers.has('origin') ||
      headers.has('x-request-id')
    ) {
      return full();
    }
    const queryStart = url.indexOf('?', pathStart);
    const path = queryStart < 0 ? url.slice(pathStart) : url.slice(pathStart, queryStart);
    const target = resolve(path);
    if (!target) return full();
    const startedAt = performance.now();
    if (target.part) {
      if (queryStart >= 0) return full();
      const ready = playback.readyLlAnswer(target.playbackId, target.prefix, target.file, {
        rendition: target.rendition,
        msn: target.part.msn,
        part: target.part.index,
        skip: false,
        isPart: true,
      });
      return ready ? send(ready, path, startedAt) : full();
    }
    const match = queryStart < 0 ? null : DIRECTIVES.exec(url.slice(queryStart + 1));
    if (!match) return full();
    const directives: Required<Pick<DeliveryDirectives, 'msn' | 'skip'>> & DeliveryDirectives = {
      msn: Number(match[1]),
      part: match[2] === undefined ? undefined : Number(match[2]),
      skip: match[3] !== undefined,
    };
    const ready = playback.readyLlAnswer(target.playbackId, target.prefix, target.file, {
      rendition: target.rendition,
      msn: directives.msn,
      part: directives.part,
      skip: directives.skip,
      isPart: false,
    });
    if (ready) return send(ready, path, startedAt);
    // Held until the part exists: the service's own wait, then the same lean answer.
    return playback.livePlaylist(target.playbackId, `${target.rendition}.m3u8`, directives).then(
      (playlist) =>
        send({ kind: 'playlist', body: playlist.body, headers: playlist.headers }, path, startedAt),
      (error: unknown) => {
        decided.set(request, error);
        return full();
      },
    );
  };
}

/** `/hls/<playbackId>/<file>` of a media playlist or an LL part, or undefined for any other path. */
function resolveTarget(path: string): Target | undefined {
  const slash = path.indexOf('/', 5);
  if (slash < 0) return undefined;
  const playbackId = path.slice(5, slash);
  const rest = path.slice(slash + 1);
  const part = PART_NAME.exec(rest);
  const rendition = part ? part[1] : PLAYLIST_NAME.exec(rest)?.[1];
  if (rendition === undefined) return undefined;
  const prefix = tryKey(() => mediaKeys.livePrefix(playbackId));
  const file = prefix && resolveHlsFile(prefix, rest);
  if (!prefix || !file) return undefined;
  return {
    playbackId,
    prefix,
    file,
    rendition,
    part: part ? { msn: Number(part[2]), index: Number(part[3]) } : undefined,
  };
}

/**
 * The response headers, made once: the gateway's early headers as the full path sets them, with the
 * playback route's cross-origin ones (players and embeds live on other origins), the file's type and
 * cache headers, and for a part its validators (one set per cached part).
 */
function headerSets(early: readonly (readonly [string, string])[]) {
  const byFile = new Map<string, Headers>();
  const byPart = new WeakMap<Uint8Array, Headers>();
  const base = (file: HlsFile): Headers => {
    const headers = new Headers(early as [string, string][]);
    headers.set('Access-Control-Allow-Origin', '*');
    headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
    headers.set('Content-Type', file.contentType);
    headers.set('Cache-Control', file.cacheControl);
    return headers;
  };
  return {
    playlist(file: HlsFile): Headers {
      const key = `${file.contentType}\n${file.cacheControl}`;
      let headers = byFile.get(key);
      if (!headers) {
        headers = base(file);
        byFile.set(key, headers);
      }
      return headers;
    },
    part(answer: Extract<ReadyLlAnswer, { kind: 'part' }>): Headers {
      let headers = byPart.get(answer.body);
      if (!headers) {
        headers = base(answer.headers);
        headers.set('ETag', answer.etag);
        headers.set('Last-Modified', answer.lastModified);
        headers.set('Accept-Ranges', 'bytes');
        byPart.set(answer.body, headers);
      }
      return headers;
    },
  };
}
