/**
 * Watches a live HLS output directory and records when things become visible to a player: the
 * master playlist listing every variant, and every segment of every variant playlist (first seen,
 * with its duration). ffmpeg 5.1's HLS muxer writes a segment file only when the segment is complete,
 * just before the playlist, so a segment file on disk says nothing earlier. inotify (`fs.watch`) wakes it on each playlist
 * write, and a short poll backs it up, so a time is at most one poll late (25 ms until playable,
 * 100 ms after). The first segment of every variant is copied aside, to be decoded after the run.
 */
import { type FSWatcher, watch } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMasterPlaylist, parseMediaPlaylist, segmentIndex } from './hls-playlist.ts';

export interface SeenSegment {
  uri: string;
  index: number;
  durationS: number;
  /** Epoch ms the segment was first listed in its playlist. */
  seenAt: number;
}

export interface HlsObservations {
  /** Epoch ms the master playlist first listed every expected variant. */
  masterAt: number | undefined;
  /** LL-HLS: epoch ms the master and every variant listed a part (`EXT-X-PART`): an LL player can start. */
  partsPlayableAt: number | undefined;
  /** LL-HLS: epoch ms each variant first listed a part. */
  firstPartAt: Record<string, number>;
  /** Segments in order of first appearance, per variant playlist name (e.g. `720p.m3u8`). */
  variants: Record<string, SeenSegment[]>;
  targetDurationS: number | undefined;
  /** Copies of each variant's first segment (variant playlist name → path). */
  firstSegmentCopies: Record<string, string>;
}

export interface HlsOutput {
  dir: string;
  /** Variant playlist names, e.g. `720p.m3u8`, and the master's name. */
  variants: string[];
  master: string;
}

export class HlsWatcher {
  private readonly obs: HlsObservations = {
    masterAt: undefined,
    partsPlayableAt: undefined,
    firstPartAt: {},
    variants: {},
    targetDurationS: undefined,
    firstSegmentCopies: {},
  };
  private output: HlsOutput | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private stopped = false;
  private readonly copies: Promise<unknown>[] = [];
  private markPlayable: (at: number) => void = () => undefined;
  /** Resolves with the epoch ms at which the master and every variant (with a segment) were visible. */
  readonly playable: Promise<number>;
  private playableAt: number | undefined;

  constructor(private readonly copyDir: string) {
    this.playable = new Promise((resolve) => {
      this.markPlayable = resolve;
    });
  }

  /** Starts watching once the output is known (StreamHub learns its directory from the publish). */
  start(output: HlsOutput): void {
    this.output = output;
    for (const v of output.variants) this.obs.variants[v] ??= [];
    this.schedule(0);
  }

  observations(): HlsObservations {
    return structuredClone(this.obs);
  }

  /** Stops watching and waits for the first-segment copies. */
  async stop(): Promise<HlsObservations> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.scanning;
    await Promise.allSettled(this.copies);
    return this.observations();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.trigger(), delayMs);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan(Date.now())
      .catch(() => undefined)
      .finally(() => {
        this.scanning = undefined;
        if (this.rescan) {
          this.rescan = false;
          this.trigger();
        } else this.schedule(this.playableAt === undefined ? 25 : 100);
      });
  }

  private ensureWatch(dir: string): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(dir, (_event, name) => {
        // Segment files change on every write; only playlist writes (ffmpeg writes `x.m3u8.tmp`, then renames) matter.
        if (name?.includes('.m3u8')) this.trigger();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // The directory does not exist yet: the poll keeps looking.
    }
  }

  private async scan(now: number): Promise<void> {
    const output = this.output;
    if (!output) return;
    this.ensureWatch(output.dir);
    if (this.obs.masterAt === undefined) {
      const master = await readFile(join(output.dir, output.master), 'utf8').catch(() => '');
      const listed = parseMasterPlaylist(master);
      if (output.variants.every((v) => listed.includes(v))) this.obs.masterAt = now;
    }
    for (const variant of output.variants) {
      const text = await readFile(join(output.dir, variant), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const playlist = parseMediaPlaylist(text);
      this.obs.targetDurationS ??= playlist.targetDurationS;
      if (this.obs.firstPartAt[variant] === undefined && text.includes('#EXT-X-PART:')) {
        this.obs.firstPartAt[variant] = now;
      }
      // An fMP4 segment (LL-HLS) decodes only after its init section.
      const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
      const seen = this.obs.variants[variant] ?? [];
      for (const segment of playlist.segments) {
        const index = segmentIndex(segment.uri);
        if (index === undefined || seen.some((s) => s.index === index)) continue;
        if (seen.length === 0) {
          const fmp4 = segment.uri.endsWith('.m4s') && map !== undefined;
          const copy = join(this.copyDir, `${variant}.first.${fmp4 ? 'mp4' : 'ts'}`);
          this.obs.firstSegmentCopies[variant] = copy;
          this.copies.push(
            fmp4
              ? Promise.all([readFile(join(output.dir, map)), readFile(join(output.dir, segment.uri))]).then(
                  (parts) => writeFile(copy, Buffer.concat(parts)),
                )
              : copyFile(join(output.dir, segment.uri), copy),
          );
        }
        seen.push({ uri: segment.uri, index, durationS: segment.durationS, seenAt: now });
      }
      this.obs.variants[variant] = seen;
    }
    if (
      this.obs.partsPlayableAt === undefined &&
      this.obs.masterAt !== undefined &&
      output.variants.every((v) => this.obs.firstPartAt[v] !== undefined)
    ) {
      this.obs.partsPlayableAt = now;
    }
    if (
      this.playableAt === undefined &&
      this.obs.masterAt !== undefined &&
      output.variants.every((v) => (this.obs.variants[v]?.length ?? 0) > 0)
    ) {
      this.playableAt = now;
      this.markPlayable(now);
    }
  }
}
