/**
 * LL-HLS media playlists (RFC 8216bis): the text the media node writes for one rendition, and what the
 * gateway reads back from it (the live edge, for blocking reloads) or derives from it (delta updates with
 * `EXT-X-SKIP`). Pure functions; the writer and the readers share the one format defined here.
 */

export interface PlaylistPart {
  uri: string;
  duration: number;
  independent: boolean;
}

export interface PlaylistSegment {
  msn: number;
  uri: string;
  duration: number;
  programDateTime: Date;
  /** A new ffmpeg run starts here (restart or reconnect). */
  discontinuity: boolean;
  /** The init section (`EXT-X-MAP`) of the run the segment belongs to. */
  mapUri: string;
  /** Its partial segments; kept only near the live edge. */
  parts: PlaylistPart[];
}

/** The segment being cut: its parts so far. */
export interface OpenSegmentState {
  msn: number;
  programDateTime: Date;
  discontinuity: boolean;
  mapUri: string;
  parts: PlaylistPart[];
}

export interface RenditionReport {
  uri: string;
  lastMsn: number;
  lastPart: number;
}

export interface MediaPlaylistState {
  targetDuration: number;
  partTarget: number;
  /** Complete segments, oldest first (the DVR window). */
  segments: PlaylistSegment[];
  open: OpenSegmentState | undefined;
  /** The part expected next, announced with `EXT-X-PRELOAD-HINT`. */
  preloadHint: string | undefined;
  /** Discontinuities that left the window. */
  discontinuitySequence: number;
  /** A recorded session keeps every segment: an EVENT playlist. */
  event: boolean;
  renditionReports: RenditionReport[];
}

/** Parts are listed only for segments this close to the live edge (the spec's three target durations). */
export const PART_RETENTION_TARGET_DURATIONS = 3;

/** Delta updates may skip segments older than this many target durations (the spec's minimum is 6). */
export const SKIP_TARGET_DURATIONS = 6;

const fixed = (n: number) => n.toFixed(5);

/** Parts must stay listed this long from the end of the playlist. */
export function partHoldBack(partTarget: number): number {
  return Number((partTarget * 3).toFixed(3));
}

export function renderMediaPlaylist(state: MediaPlaylistState): string {
  return new MediaPlaylistRenderer().render(state);
}

/** What a run of complete segments rendered without their parts looks like, to be reused. */
interface RenderedRun {
  first: PlaylistSegment;
  last: PlaylistSegment;
  count: number;
  /** Its lines, each ending in a newline. */
  text: string;
  /** The last `EXT-X-MAP` URI it names. */
  map: string | undefined;
}

/**
 * Renders one rendition's playlist again and again as it grows by a part at a time, with the same text
 * as rendering it from scratch: the complete segments whose parts are no longer listed (all but the last
 * few seconds, a whole DVR window) are rendered once and reused until a segment enters or leaves that
 * run, so a part costs the lines near the edge instead of the whole window.
 */
export class MediaPlaylistRenderer {
  /** Each complete segment's own lines (date, duration, URI): fixed once it is complete. */
  private readonly bodies = new WeakMap<PlaylistSegment, string>();
  private run: RenderedRun | undefined;

  render(state: MediaPlaylistState): string {
    const first = state.segments[0] ?? state.open;
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      `#EXT-X-TARGETDURATION:${state.targetDuration}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${fixed(
        state.targetDuration * SKIP_TARGET_DURATIONS,
      )},PART-HOLD-BACK=${fixed(partHoldBack(state.partTarget))}`,
      `#EXT-X-PART-INF:PART-TARGET=${fixed(state.partTarget)}`,
      `#EXT-X-MEDIA-SEQUENCE:${first?.msn ?? 0}`,
    ];
    if (state.discontinuitySequence > 0)
      lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${state.discontinuitySequence}`);
    if (state.event) lines.push('#EXT-X-PLAYLIST-TYPE:EVENT');
    lines.push('#EXT-X-INDEPENDENT-SEGMENTS');

    // Parts are listed for the segments that end within PART_RETENTION target durations of the edge:
    // segments[partsFrom..]. Those before are the reusable run.
    let fromEnd = state.open ? state.open.parts.reduce((s, p) => s + p.duration, 0) : 0;
    let partsFrom = state.segments.length;
    while (partsFrom > 0 && fromEnd <= state.targetDuration * PART_RETENTION_TARGET_DURATIONS) {
      partsFrom -= 1;
      fromEnd += (state.segments[partsFrom] as PlaylistSegment).duration;
    }
    const run = this.runOf(state.segments, partsFrom, first);

    const tail: string[] = [];
    let map = run?.map;
    const head = (s: { discontinuity: boolean; mapUri: string; programDateTime: Date }) => {
      if (s.discontinuity && s !== first) tail.push('#EXT-X-DISCONTINUITY');
      if (s.mapUri !== map) {
        tail.push(`#EXT-X-MAP:URI="${s.mapUri}"`);
        map = s.mapUri;
      }
      tail.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}`);
    };
    const partLine = (p: PlaylistPart) =>
      `#EXT-X-PART:DURATION=${fixed(p.duration)},URI="${p.uri}"${p.independent ? ',INDEPENDENT=YES' : ''}`;

    for (let i = partsFrom; i < state.segments.length; i++) {
      const segment = state.segments[i] as PlaylistSegment;
      head(segment);
      for (const part of segment.parts) tail.push(partLine(part));
      tail.push(`#EXTINF:${fixed(segment.duration)},`, segment.uri);
    }
    if (state.open && state.open.parts.length > 0) {
      head(state.open);
      for (const part of state.open.parts) tail.push(partLine(part));
    }
    if (state.preloadHint) tail.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${state.preloadHint}"`);
    for (const report of state.renditionReports) {
      tail.push(
        `#EXT-X-RENDITION-REPORT:URI="${report.uri}",LAST-MSN=${report.lastMsn},LAST-PART=${report.lastPart}`,
      );
    }
    const headerText = `${lines.join('\n')}\n`;
    const tailText = tail.length > 0 ? `${tail.join('\n')}\n` : '';
    return headerText + (run?.text ?? '') + tailText;
  }

  /** segments[0..count) rendered without parts: the previous render's run, extended, or rendered anew. */
  private runOf(
    segments: readonly PlaylistSegment[],
    count: number,
    first: PlaylistSegment | OpenSegmentState | undefined,
  ): RenderedRun | undefined {
    if (count === 0) {
      this.run = undefined;
      return undefined;
    }
    const previous = this.run;
    const same =
      previous !== undefined &&
      previous.first === segments[0] &&
      previous.count <= count &&
      segments[previous.count - 1] === previous.last;
    let text = same ? previous.text : '';
    let map = same ? previous.map : undefined;
    for (let i = same ? previous.count : 0; i < count; i++) {
      const segment = segments[i] as PlaylistSegment;
      if (segment.discontinuity && segment !== first) text += '#EXT-X-DISCONTINUITY\n';
      if (segment.mapUri !== map) {
        text += `#EXT-X-MAP:URI="${segment.mapUri}"\n`;
        map = segment.mapUri;
      }
      text += this.bodyOf(segment);
    }
    this.run = {
      first: segments[0] as PlaylistSegment,
      last: segments[count - 1] as PlaylistSegment,
      count,
      text,
      map,
    };
    return this.run;
  }

  private bodyOf(segment: PlaylistSegment): string {
    let body = this.bodies.get(segment);
    if (body === undefined) {
      body = `#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime.toISOString()}\n#EXTINF:${fixed(segment.duration)},\n${segment.uri}\n`;
      this.bodies.set(segment, body);
    }
    return body;
  }
}

/** Where a playlist's live edge is, as blocking reloads ask about it. */
export interface PlaylistEdge {
  targetDuration: number;
  partTarget: number | undefined;
  /** Media sequence number of the last complete segment (-1: none yet). */
  lastMsn: number;
  /** The last listed part: of the open segment, else of the last complete one; undefined when none. */
  lastPart: { msn: number; index: number } | undefined;
  canSkipUntil: number | undefined;
  ended: boolean;
}

const attribute = (line: string, name: string) =>
  new RegExp(`(?:^|[:,])${name}=("[^"]*"|[^,]*)`).exec(line)?.[1]?.replace(/^"|"$/g, '');

/** Reads the live edge of a media playlist (any RFC 8216bis playlist, ours included). */
export function readPlaylistEdge(text: string): PlaylistEdge {
  let targetDuration = 0;
  let partTarget: number | undefined;
  let canSkipUntil: number | undefined;
  let msn = 0;
  let lastMsn = -1;
  let partIndex = 0;
  let lastPart: PlaylistEdge['lastPart'];
  let ended = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-PART-INF:')) partTarget = Number(attribute(line, 'PART-TARGET'));
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) {
      const skip = attribute(line, 'CAN-SKIP-UNTIL');
      if (skip !== undefined) canSkipUntil = Number(skip);
    } else if (line.startsWith('#EXT-X-SKIP:')) msn += Number(attribute(line, 'SKIPPED-SEGMENTS') ?? 0);
    else if (line.startsWith('#EXT-X-PART:')) {
      lastPart = { msn, index: partIndex };
      partIndex += 1;
    } else if (line.startsWith('#EXT-X-ENDLIST')) ended = true;
    else if (line.length > 0 && !line.startsWith('#')) {
      lastMsn = msn;
      msn += 1;
      partIndex = 0;
    }
  }
  return { targetDuration, partTarget, lastMsn, lastPart, canSkipUntil, ended };
}

/**
 * Whether the playlist satisfies a blocking reload for segment `msn` (and part `part`): the segment is
 * complete, or the part, or any later one, is listed (RFC 8216bis §6.2.5.2).
 */
export function edgeReached(edge: PlaylistEdge, msn: number, part: number | undefined): boolean {
  if (edge.ended) return true;
  if (part === undefined) return edge.lastMsn >= msn;
  if (edge.lastMsn > msn) return true;
  const last = edge.lastPart;
  return last !== undefined && (last.msn > msn || (last.msn === msn && last.index >= part));
}

/**
 * Whether a request is too far ahead of the edge to wait for: more than two segments past the last one,
 * or a part beyond the Advance Part Limit (three parts per second of PART-TARGET below one second, else
 * three). The spec has the server answer those with 400 at once.
 */
export function tooFarAhead(edge: PlaylistEdge, msn: number, part: number | undefined): boolean {
  if (msn > edge.lastMsn + 2) return true;
  if (part === undefined || edge.partTarget === undefined) return false;
  const limit = edge.partTarget < 1 ? Math.floor(3 / edge.partTarget) : 3;
  const last = edge.lastPart ?? { msn: edge.lastMsn, index: -1 };
  if (msn < last.msn) return false;
  return msn === last.msn ? part - last.index > limit : part > limit;
}

/**
 * A delta update (`_HLS_skip=YES`): the segments that start more than CAN-SKIP-UNTIL seconds before the
 * end are replaced by one `EXT-X-SKIP`. Returns the playlist unchanged when it offers no skipping or
 * nothing is old enough.
 */
export function deltaPlaylist(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const edge = readPlaylistEdge(text);
  if (edge.canSkipUntil === undefined) return text;
  // Start index of each segment's lines (its first tag after the previous URI) and its duration.
  const segments: { start: number; end: number; duration: number }[] = [];
  let start = -1;
  let duration = 0;
  lines.forEach((line, i) => {
    const isSegmentTag =
      line.startsWith('#EXT-X-PART:') ||
      line.startsWith('#EXTINF:') ||
      line.startsWith('#EXT-X-PROGRAM-DATE-TIME:') ||
      line.startsWith('#EXT-X-DISCONTINUITY') ||
      line.startsWith('#EXT-X-MAP:');
    if (isSegmentTag && !line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE') && start < 0) start = i;
    if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0]);
    if (line.length > 0 && !line.startsWith('#') && start >= 0) {
      segments.push({ start, end: i, duration });
      start = -1;
    }
  });
  const total = segments.reduce((sum, s) => sum + s.duration, 0);
  let skipped = 0;
  let elapsed = 0;
  for (const segment of segments) {
    if (total - elapsed <= edge.canSkipUntil) break;
    elapsed += segment.duration;
    skipped += 1;
  }
  // The last segment is never skipped: the delta must still show where the playlist stands.
  skipped = Math.min(skipped, segments.length - 1);
  if (skipped <= 0) return text;
  const firstKept = segments[skipped] as { start: number };
  const lastSkipped = segments[skipped - 1] as { end: number };
  const header = lines.slice(0, (segments[0] as { start: number }).start);
  // The kept segments must still know their init section.
  const keptHead = lines.slice(firstKept.start, lines.length);
  const map = lines
    .slice(0, lastSkipped.end)
    .filter((l) => l.startsWith('#EXT-X-MAP:'))
    .at(-1);
  const hasOwnMap = keptHead.slice(0, 4).some((l) => l.startsWith('#EXT-X-MAP:'));
  const out = [
    ...header.map((l) => (l.startsWith('#EXT-X-VERSION:') ? '#EXT-X-VERSION:9' : l)),
    `#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`,
    ...(map && !hasOwnMap ? [map] : []),
    ...keptHead,
  ];
  return `${out.join('\n')}\n`;
}

/**
 * The state behind a playlist written by {@link renderMediaPlaylist}, to continue it after a reconnect.
 * Parts of complete segments are not kept (they would be dropped from the edge anyway); the open segment
 * and the preload hint are not either: a new ffmpeg run starts a new segment.
 */
export function parseMediaPlaylist(
  text: string,
): Pick<MediaPlaylistState, 'segments' | 'discontinuitySequence'> {
  const segments: PlaylistSegment[] = [];
  let msn = 0;
  let discontinuitySequence = 0;
  let discontinuity = false;
  let mapUri = '';
  let programDateTime = new Date(0);
  let duration = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:'))
      discontinuitySequence = Number(line.slice(30));
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-MAP:')) mapUri = attribute(line, 'URI') ?? '';
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) programDateTime = new Date(line.slice(25));
    else if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0]);
    else if (line.length > 0 && !line.startsWith('#')) {
      segments.push({ msn, uri: line, duration, programDateTime, discontinuity, mapUri, parts: [] });
      msn += 1;
      discontinuity = false;
    }
  }
  return { segments, discontinuitySequence };
}
