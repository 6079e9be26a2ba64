/**
 * Packages one rung of a low-latency ladder: listens on a local socket for ffmpeg's fragmented MP4 (one
 * connection per ffmpeg run), cuts it into parts and segments (`part-cutter.ts`) and publishes them through
 * the session's {@link LocalDirectory}: every file is written under a hidden name, renamed into place and
 * synced before the playlist that names it, and the playlist is synced before anyone is told of it.
 * Segments leave the playlist past the DVR window (all are kept when recording); their files, and the
 * part files of segments far from the edge, are deleted a little later, so players still fetching them
 * are served.
 */
import { EventEmitter } from 'node:events';
import { close, open, rename, unlink, writev } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { keyIn } from '@streamhub/infra/media-storage/keys';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import { BoxSplitter } from './fmp4.ts';
import {
  MediaPlaylistRenderer,
  type MediaPlaylistState,
  type OpenSegmentState,
  type PlaylistSegment,
  parseMediaPlaylist,
  type RenditionReport,
} from './media-playlist.ts';
import { type CutEvent, type CutPart, type CutSegment, PartCutter } from './part-cutter.ts';

export interface RenditionPackagerOptions {
  /** The rung's name: `720p` → `720p.m3u8`, `720p-000012.m4s`, `720p-000012.p0.m4s`. */
  name: string;
  media: MediaStorage;
  dir: LocalDirectory;
  partTargetSeconds: number;
  segmentSeconds: number;
  /** Seconds of segments kept in a live playlist (the DVR window); ignored when recording. */
  windowSeconds: number;
  record: boolean;
  /** The other rungs' edges, for `EXT-X-RENDITION-REPORT`. */
  reports: () => RenditionReport[];
  logger: Logger;
}

export interface RenditionEdge {
  name: string;
  /** Last complete segment (-1: none). */
  lastMsn: number;
  /** The newest part: of the open segment, else of the last complete one. */
  lastPart: { msn: number; index: number } | undefined;
}

export interface RenditionPackagerEvents {
  /** The playlist naming a new part (and maybe a new segment) is stored. */
  updated: [RenditionEdge];
  /** ffmpeg's connection for this rung ended (its run is over); the open segment was closed. */
  runEnded: [];
}

/** Segments that left the playlist are deleted once this many more have left after them. */
const RETIRED_KEPT = 4;
/** Part files are deleted once their segment is this many segments behind the edge. */
const PART_FILES_KEPT_SEGMENTS = 8;

const pad = (msn: number) => String(msn).padStart(6, '0');

export class RenditionPackager extends EventEmitter<RenditionPackagerEvents> {
  private readonly options: RenditionPackagerOptions;
  private server: Server | undefined;
  private socket: Socket | undefined;
  private expecting = false;
  private readonly state: MediaPlaylistState;
  private readonly playlist = new MediaPlaylistRenderer();
  private nextMsn = 0;
  private readonly retired: PlaylistSegment[] = [];
  private writes: Promise<void> = Promise.resolve();
  private failed: Error | undefined;

  constructor(options: RenditionPackagerOptions) {
    super();
    this.options = options;
    this.state = {
      targetDuration: Math.max(1, Math.ceil(options.segmentSeconds)),
      partTarget: options.partTargetSeconds,
      segments: [],
      open: undefined,
      preloadHint: undefined,
      discontinuitySequence: 0,
      event: options.record,
      renditionReports: [],
    };
  }

  get playlistName(): string {
    return `${this.options.name}.m3u8`;
  }

  get edge(): RenditionEdge {
    const last = this.state.segments.at(-1);
    const open = this.state.open;
    let lastPart: RenditionEdge['lastPart'];
    if (open && open.parts.length > 0) lastPart = { msn: open.msn, index: open.parts.length - 1 };
    else if (last && last.parts.length > 0) lastPart = { msn: last.msn, index: last.parts.length - 1 };
    return { name: this.options.name, lastMsn: last?.msn ?? -1, lastPart };
  }

  /** Continues the playlist a previous publish of the session left (reconnect inside the grace window). */
  restore(playlist: string): void {
    const { segments, discontinuitySequence } = parseMediaPlaylist(playlist);
    this.state.segments = segments;
    this.state.discontinuitySequence = discontinuitySequence;
    this.nextMsn = (segments.at(-1)?.msn ?? -1) + 1;
  }

  /** Starts listening; resolves to the URL ffmpeg writes this rung to. */
  async listen(): Promise<string> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('The packager socket has no port');
    return `tcp://127.0.0.1:${address.port}`;
  }

  /** The next connection is ffmpeg's new run; anything else connecting is refused. */
  expectRun(): void {
    this.expecting = true;
  }

  private accept(socket: Socket): void {
    if (!this.expecting || this.socket) {
      socket.destroy();
      return;
    }
    this.expecting = false;
    this.socket = socket;
    const runStartedAt = Date.now();
    const mapUri = `${this.options.name}-init-${pad(this.nextMsn)}.mp4`;
    const cutter = new PartCutter({
      partTargetSeconds: this.options.partTargetSeconds,
      segmentSeconds: this.options.segmentSeconds,
      firstMsn: this.nextMsn,
    });
    const splitter = new BoxSplitter();
    let initWritten = false;
    let firstOfRun = true;
    const run = { mapUri, runStartedAt };
    const handle = (events: CutEvent[]) => {
      if (events.length === 0) return;
      const isFirst = firstOfRun;
      firstOfRun = false;
      this.enqueue(() => this.publish(events, run, isFirst));
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const box of splitter.push(chunk)) {
          const events = cutter.push(box);
          if (!initWritten && cutter.initSection) {
            initWritten = true;
            const init = cutter.initSection;
            this.enqueue(() => this.store(mapUri, [init]));
          }
          handle(events);
        }
      } catch (error) {
        this.options.logger.error(
          { err: error, rendition: this.options.name },
          'unreadable fMP4 from ffmpeg',
        );
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      handle(cutter.end());
      this.enqueue(async () => {
        this.state.preloadHint = undefined;
        await this.writePlaylist();
      });
      this.socket = undefined;
      void this.writes.then(() => this.emit('runEnded'));
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.writes = this.writes.then(task).catch((error: unknown) => {
      this.failed = error as Error;
      this.options.logger.error({ err: error, rendition: this.options.name }, 'could not store LL-HLS media');
    });
  }

  /** Stores one file: written under a hidden name, renamed into place, then synced. */
  private async store(name: string, chunks: readonly Uint8Array[]): Promise<void> {
    const { dir } = this.options;
    await writeFileInPlace(dir.path, name, chunks);
    await dir.sync([name]);
  }

  private async publish(
    events: CutEvent[],
    run: { mapUri: string; runStartedAt: number },
    firstOfRun: boolean,
  ): Promise<void> {
    for (const event of events) {
      if (event.kind === 'part') await this.addPart(event.part, run, firstOfRun);
      else await this.completeSegment(event.segment);
    }
    this.state.preloadHint = this.nextPartName();
    await this.writePlaylist();
    // Announced before the old files are deleted: viewers waiting for the part need not wait for that.
    this.emit('updated', this.edge);
    await this.retire();
  }

  private segmentName(msn: number): string {
    return `${this.options.name}-${pad(msn)}.m4s`;
  }

  private partName(msn: number, index: number): string {
    return `${this.options.name}-${pad(msn)}.p${index}.m4s`;
  }

  private async addPart(
    part: CutPart,
    run: { mapUri: string; runStartedAt: number },
    firstOfRun: boolean,
  ): Promise<void> {
    const uri = this.partName(part.msn, part.index);
    await this.store(uri, part.chunks);
    if (!this.state.open || this.state.open.msn !== part.msn) {
      const open: OpenSegmentState = {
        msn: part.msn,
        programDateTime: new Date(run.runStartedAt + part.startTime * 1000),
        // The first segment of every run but the very first continues after a gap.
        discontinuity: firstOfRun && this.state.segments.length > 0,
        mapUri: run.mapUri,
        parts: [],
      };
      this.state.open = open;
    }
    this.state.open.parts.push({ uri, duration: part.duration, independent: part.independent });
    this.nextMsn = part.msn + 1;
  }

  private async completeSegment(segment: CutSegment): Promise<void> {
    const open = this.state.open;
    if (!open || open.msn !== segment.msn) return;
    const uri = this.segmentName(segment.msn);
    await this.store(uri, segment.chunks);
    this.state.segments.push({ ...open, uri, duration: segment.duration });
    this.state.open = undefined;
  }

  /** The part expected next: the open segment's next, or the next segment's first once it is due. */
  private nextPartName(): string | undefined {
    const open = this.state.open;
    if (!open) return this.partName(this.nextMsn, 0);
    const elapsed = open.parts.reduce((sum, p) => sum + p.duration, 0);
    const halfFrame = (open.parts[0]?.duration ?? this.options.partTargetSeconds) / 20;
    if (elapsed + halfFrame >= this.options.segmentSeconds) return this.partName(open.msn + 1, 0);
    return this.partName(open.msn, open.parts.length);
  }

  private async writePlaylist(): Promise<void> {
    this.state.renditionReports = this.options.reports();
    await this.store(this.playlistName, [Buffer.from(this.playlist.render(this.state))]);
  }

  /** Drops segments past the DVR window from the playlist, then deletes files nobody should still fetch. */
  private async retire(): Promise<void> {
    const { segments } = this.state;
    if (!this.options.record) {
      let kept = 0;
      let keepFrom = segments.length;
      while (keepFrom > 1 && kept + (segments[keepFrom - 1]?.duration ?? 0) <= this.options.windowSeconds) {
        keepFrom -= 1;
        kept += segments[keepFrom]?.duration ?? 0;
      }
      const leaving = segments.splice(0, Math.max(0, keepFrom - 1));
      for (const s of leaving) if (s.discontinuity) this.state.discontinuitySequence += 1;
      this.retired.push(...leaving);
      const deleting = this.retired.splice(0, Math.max(0, this.retired.length - RETIRED_KEPT));
      for (const s of deleting) await this.remove([s.uri, ...this.partFiles(s)]);
    }
    const stale = segments.at(-1 - PART_FILES_KEPT_SEGMENTS);
    if (stale && stale.parts.length > 0) {
      const files = this.partFiles(stale);
      stale.parts = [];
      await this.remove(files);
    }
  }

  private partFiles(segment: PlaylistSegment): string[] {
    return segment.parts.map((p) => p.uri);
  }

  private async remove(names: string[]): Promise<void> {
    const { media, dir } = this.options;
    for (const name of names) {
      // In place, the file is the stored object itself: unlinking it is the storage's delete (without its
      // lstat and thread-pool round trips). Elsewhere the local copy goes, then the stored object.
      await unlinkIfPresent(join(dir.path, name));
      if (!dir.inPlace) await media.delete(keyIn(dir.prefix, name));
    }
  }

  /** Resolves once every file received so far is stored (rejects if storing one failed). */
  async flushed(): Promise<void> {
    await this.writes;
    if (this.failed) throw this.failed;
  }

  /** Stops listening; ffmpeg must have stopped first. */
  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.writes;
  }
}

const openFile = promisify(open);
const writevFile = promisify(writev);
const closeFile = promisify(close);
const renameFile = promisify(rename);
const unlinkFile = promisify(unlink);

/**
 * Writes `chunks` as `dir/name`: under a hidden name first, then renamed, so no reader sees half a file.
 * Four operations on a plain descriptor (open, one `writev` of the boxes, close, rename): no `FileHandle`
 * to create and finalize, and the boxes are never joined into one buffer.
 */
async function writeFileInPlace(dir: string, name: string, chunks: readonly Uint8Array[]): Promise<void> {
  const scratch = join(dir, `.${name}.tmp`);
  const fd = await openFile(scratch, 'w');
  try {
    await writeAll(fd, chunks);
  } finally {
    await closeFile(fd);
  }
  await renameFile(scratch, join(dir, name));
}

/** The boxes in one `writev` (a long segment's in a few), resumed where a short write stopped. */
async function writeAll(fd: number, chunks: readonly Uint8Array[]): Promise<void> {
  let pending = chunks.filter((c) => c.byteLength > 0);
  while (pending.length > 0) {
    const batch = pending.slice(0, IOV_BATCH);
    // Promisified, `writev` resolves to `{ bytesWritten, buffers }` (typed as the count alone).
    let { bytesWritten: written } = (await writevFile(fd, batch as Uint8Array[])) as unknown as {
      bytesWritten: number;
    };
    let done = 0;
    while (done < batch.length && written >= (batch[done] as Uint8Array).byteLength) {
      written -= (batch[done] as Uint8Array).byteLength;
      done += 1;
    }
    const rest = pending.slice(done);
    if (written > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(written);
    pending = rest;
  }
}

/** Below the kernel's IOV_MAX (1024) buffers per `writev`. */
const IOV_BATCH = 512;

async function unlinkIfPresent(path: string): Promise<void> {
  await unlinkFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
