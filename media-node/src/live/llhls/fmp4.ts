/**
 * Just enough ISO-BMFF to package fragmented MP4 from ffmpeg into LL-HLS parts: split a byte stream
 * into top-level boxes, read each track's id, kind and timescale from the init section (`moov`), and
 * read a fragment's (`moof`) per-track decode time, duration, sample count and whether it opens on a
 * sync sample. No I/O.
 */

export interface Box {
  type: string;
  /** The whole box, header included. */
  bytes: Buffer;
}

/** Cuts a byte stream into complete top-level boxes as they arrive. */
export class BoxSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Box[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const boxes: Box[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const size = boxSize(this.pending, offset);
      if (size === undefined || this.pending.length - offset < size) break;
      boxes.push({
        type: this.pending.toString('latin1', offset + 4, offset + 8),
        bytes: this.pending.subarray(offset, offset + size),
      });
      offset += size;
    }
    this.pending = this.pending.subarray(offset);
    return boxes;
  }

  /** Bytes received that do not yet form a whole box. */
  get buffered(): number {
    return this.pending.length;
  }
}

function boxSize(buf: Buffer, offset: number): number | undefined {
  const size = buf.readUInt32BE(offset);
  if (size === 1) {
    if (buf.length - offset < 16) return undefined;
    return Number(buf.readBigUInt64BE(offset + 8));
  }
  if (size < 8) throw new Error(`Malformed MP4 box of size ${size}`);
  return size;
}

/** The children of a container box's payload (`start`..`end` in `buf`). */
function* children(
  buf: Buffer,
  start: number,
  end: number,
): Generator<{ type: string; start: number; end: number }> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = buf.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) size = end - offset;
    if (size < header || offset + size > end) return;
    yield {
      type: buf.toString('latin1', offset + 4, offset + 8),
      start: offset + header,
      end: offset + size,
    };
    offset += size;
  }
}

function child(buf: Buffer, start: number, end: number, type: string) {
  for (const c of children(buf, start, end)) if (c.type === type) return c;
  return undefined;
}

export interface TrackInfo {
  id: number;
  kind: 'video' | 'audio' | 'other';
  timescale: number;
}

/** The tracks an init section (`ftyp` + `moov`) declares. */
export function readInitTracks(moov: Buffer): TrackInfo[] {
  const tracks: TrackInfo[] = [];
  for (const trak of children(moov, 8, moov.length)) {
    if (trak.type !== 'trak') continue;
    const tkhd = child(moov, trak.start, trak.end, 'tkhd');
    const mdia = child(moov, trak.start, trak.end, 'mdia');
    if (!tkhd || !mdia) continue;
    const tkhdVersion = moov.readUInt8(tkhd.start);
    const id = moov.readUInt32BE(tkhd.start + (tkhdVersion === 1 ? 20 : 12));
    const mdhd = child(moov, mdia.start, mdia.end, 'mdhd');
    const hdlr = child(moov, mdia.start, mdia.end, 'hdlr');
    if (!mdhd || !hdlr) continue;
    const mdhdVersion = moov.readUInt8(mdhd.start);
    const timescale = moov.readUInt32BE(mdhd.start + (mdhdVersion === 1 ? 20 : 12));
    const handler = moov.toString('latin1', hdlr.start + 8, hdlr.start + 12);
    const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
    tracks.push({ id, kind, timescale });
  }
  return tracks;
}

export interface TrackRun {
  trackId: number;
  /** `tfdt`'s base media decode time, in the track's timescale. */
  baseDecodeTime: number;
  /** Sum of the sample durations, in the track's timescale. */
  duration: number;
  samples: number;
  /** Whether the first sample is a sync sample (a keyframe for video). */
  startsWithSync: boolean;
}

const NON_SYNC = 0x00010000;

/** The runs of a `moof`, one per track fragment. `defaultFlags` are each track's `trex` defaults, if known. */
export function readFragment(moof: Buffer): TrackRun[] {
  const runs: TrackRun[] = [];
  for (const traf of children(moof, 8, moof.length)) {
    if (traf.type !== 'traf') continue;
    const tfhd = child(moof, traf.start, traf.end, 'tfhd');
    if (!tfhd) continue;
    const tfhdFlags = moof.readUInt32BE(tfhd.start) & 0xffffff;
    const trackId = moof.readUInt32BE(tfhd.start + 4);
    let at = tfhd.start + 8;
    if (tfhdFlags & 0x01) at += 8; // base-data-offset
    if (tfhdFlags & 0x02) at += 4; // sample-description-index
    let defaultDuration = 0;
    if (tfhdFlags & 0x08) {
      defaultDuration = moof.readUInt32BE(at);
      at += 4;
    }
    if (tfhdFlags & 0x10) at += 4; // default-sample-size
    let defaultFlags = 0;
    if (tfhdFlags & 0x20) defaultFlags = moof.readUInt32BE(at);

    const tfdt = child(moof, traf.start, traf.end, 'tfdt');
    let baseDecodeTime = 0;
    if (tfdt) {
      baseDecodeTime =
        moof.readUInt8(tfdt.start) === 1
          ? Number(moof.readBigUInt64BE(tfdt.start + 4))
          : moof.readUInt32BE(tfdt.start + 4);
    }

    let duration = 0;
    let samples = 0;
    let firstFlags: number | undefined;
    for (const trun of children(moof, traf.start, traf.end)) {
      if (trun.type !== 'trun') continue;
      const flags = moof.readUInt32BE(trun.start) & 0xffffff;
      const count = moof.readUInt32BE(trun.start + 4);
      let p = trun.start + 8;
      if (flags & 0x01) p += 4; // data-offset
      let runFirstFlags: number | undefined;
      if (flags & 0x04) {
        runFirstFlags = moof.readUInt32BE(p);
        p += 4;
      }
      for (let i = 0; i < count; i++) {
        let sampleDuration = defaultDuration;
        let sampleFlags = defaultFlags;
        if (flags & 0x100) {
          sampleDuration = moof.readUInt32BE(p);
          p += 4;
        }
        if (flags & 0x200) p += 4;
        if (flags & 0x400) {
          sampleFlags = moof.readUInt32BE(p);
          p += 4;
        }
        if (flags & 0x800) p += 4;
        if (samples === 0 && i === 0) firstFlags = runFirstFlags ?? sampleFlags;
        duration += sampleDuration;
      }
      samples += count;
    }
    runs.push({
      trackId,
      baseDecodeTime,
      duration,
      samples,
      startsWithSync: samples > 0 && ((firstFlags ?? defaultFlags) & NON_SYNC) === 0,
    });
  }
  return runs;
}
