/**
 * Cuts one rendition's fragmented MP4 (ffmpeg writes one fragment per frame) into LL-HLS partial segments
 * and full segments: a part closes as soon as one more frame would take it past the part target, a
 * segment closes at the first keyframe once it holds at least a segment's worth (minus half a frame), so
 * segments start on keyframes and parts never exceed PART-TARGET (unless one frame alone is longer).
 * Pure and synchronous: bytes in, parts and segments out.
 */
import { type Box, readFragment, readInitTracks, type TrackInfo } from './fmp4.ts';

export interface CutPart {
  msn: number;
  /** 0-based index inside its segment. */
  index: number;
  /** Seconds of the primary (video) track. */
  duration: number;
  /** Starts with a keyframe, so a player can start decoding here. */
  independent: boolean;
  /** Its boxes (`moof`, `mdat`, …) as they came from ffmpeg: written out as they are, never joined. */
  chunks: readonly Buffer[];
  /** Decode time of its first primary sample, in seconds from the start of this ffmpeg run. */
  startTime: number;
}

export interface CutSegment {
  msn: number;
  duration: number;
  /** Its parts' boxes, in order. */
  chunks: readonly Buffer[];
  startTime: number;
}

export type CutEvent = { kind: 'part'; part: CutPart } | { kind: 'segment'; segment: CutSegment };

export interface PartCutterOptions {
  partTargetSeconds: number;
  segmentSeconds: number;
  /** Media sequence number of the first segment this cutter emits. */
  firstMsn: number;
}

interface OpenSegment {
  msn: number;
  parts: CutPart[];
}

interface OpenPart {
  chunks: Buffer[];
  /** Primary-track samples in it. */
  frames: number;
  independent: boolean;
  startTime: number;
}

export class PartCutter {
  private readonly options: PartCutterOptions;
  private init: Buffer[] = [];
  private primary: TrackInfo | undefined;
  private moof: Box | undefined;
  private origin: number | undefined;
  private segment: OpenSegment | undefined;
  private part: OpenPart | undefined;
  private nextMsn: number;
  private lastTime: number | undefined;
  /** Seconds per primary sample, from the spacing of the last two (1/30 until known). */
  private frame = 1 / 30;

  constructor(options: PartCutterOptions) {
    this.options = options;
    this.nextMsn = options.firstMsn;
  }

  /** The init section (`ftyp` + `moov`) once it is complete. */
  get initSection(): Buffer | undefined {
    return this.primary ? Buffer.concat(this.init) : undefined;
  }

  /** Feeds one top-level box; returns what it completed. */
  push(box: Box): CutEvent[] {
    if (box.type === 'ftyp') this.init = [box.bytes];
    else if (box.type === 'moov') {
      this.init.push(box.bytes);
      const tracks = readInitTracks(box.bytes);
      this.primary = tracks.find((t) => t.kind === 'video') ?? tracks[0];
      if (!this.primary) throw new Error('The fragmented MP4 has no track');
    } else if (box.type === 'moof') this.moof = box;
    else if (box.type === 'mdat' && this.moof) {
      const moof = this.moof;
      this.moof = undefined;
      return this.fragment(moof.bytes, box.bytes);
    }
    return [];
  }

  private fragment(moof: Buffer, mdat: Buffer): CutEvent[] {
    const primary = this.primary;
    if (!primary) throw new Error('A fragment came before the init section');
    const run = readFragment(moof).find((r) => r.trackId === primary.id);
    const events: CutEvent[] = [];
    if (!run || run.samples === 0) {
      // Another track's samples (audio between two frames): they ride in the open part.
      // Kept as the two boxes: they are written out as they are.
      (this.part ?? this.openPart(this.lastTime ?? 0)).chunks.push(moof, mdat);
      return events;
    }
    this.origin ??= run.baseDecodeTime;
    const time = (run.baseDecodeTime - this.origin) / primary.timescale;
    // ffmpeg often leaves a lone frame's duration at 0: the spacing of decode times is the truth.
    if (this.lastTime !== undefined && time > this.lastTime) this.frame = time - this.lastTime;
    else if (run.duration > 0) this.frame = run.duration / primary.timescale / run.samples;
    this.lastTime = time;
    const span = this.frame * run.samples;
    const target = this.options.partTargetSeconds + 1e-6;

    const segment = this.segment;
    const part = this.part;
    const partHasFrames = part !== undefined && part.frames > 0;
    const segmentStart = segment?.parts[0]?.startTime ?? (partHasFrames ? part.startTime : time);
    if (
      run.startsWithSync &&
      segment !== undefined &&
      (segment.parts.length > 0 || partHasFrames) &&
      time - segmentStart >= this.options.segmentSeconds - this.frame / 2 - 1e-9
    ) {
      events.push(...this.closeSegment(time));
    } else if (partHasFrames && time + span - part.startTime > target) {
      events.push(...this.closePart(time - part.startTime));
    }
    const open = this.part ?? this.openPart(time);
    if (open.frames === 0) {
      open.startTime = time;
      open.independent = run.startsWithSync;
    }
    open.chunks.push(moof, mdat);
    open.frames += run.samples;
    // Closed at once when the next frame could not fit: the part is out one frame earlier.
    const end = time + span;
    if (end + this.frame - open.startTime > target) events.push(...this.closePart(end - open.startTime));
    return events;
  }

  private openPart(time: number): OpenPart {
    if (!this.segment) {
      this.segment = { msn: this.nextMsn, parts: [] };
      this.nextMsn += 1;
    }
    this.part = { chunks: [], frames: 0, independent: false, startTime: time };
    return this.part;
  }

  /** Closes the open part, `duration` seconds long (known exactly once the next frame's time is). */
  private closePart(duration: number): CutEvent[] {
    const part = this.part;
    const segment = this.segment;
    if (!part || !segment || part.frames === 0) return [];
    this.part = undefined;
    const cut: CutPart = {
      msn: segment.msn,
      index: segment.parts.length,
      duration,
      independent: part.independent,
      chunks: part.chunks,
      startTime: part.startTime,
    };
    segment.parts.push(cut);
    return [{ kind: 'part', part: cut }];
  }

  /** Closes the open segment; `end` is the time its last frame ends (the next keyframe's). */
  private closeSegment(end: number): CutEvent[] {
    // Audio that arrived before the keyframe belongs to the segment that ends, so it is closed with it.
    const part = this.part;
    const events = part && part.frames > 0 ? this.closePart(end - part.startTime) : [];
    const segment = this.segment;
    this.segment = undefined;
    // Other tracks' samples that came after the last frame open the next segment's first part.
    if (this.part) {
      this.segment = { msn: this.nextMsn, parts: [] };
      this.nextMsn += 1;
    }
    if (!segment || segment.parts.length === 0) return events;
    events.push({
      kind: 'segment',
      segment: {
        msn: segment.msn,
        duration: segment.parts.reduce((sum, p) => sum + p.duration, 0),
        chunks: segment.parts.flatMap((p) => p.chunks),
        startTime: segment.parts[0]?.startTime ?? 0,
      },
    });
    return events;
  }

  /** ffmpeg finished: the open part and segment are complete. */
  end(): CutEvent[] {
    return this.closeSegment((this.lastTime ?? 0) + this.frame);
  }
}
