/**
 * The LL-HLS packaging of one live session's ladder: a {@link RenditionPackager} per rung, each one's
 * rendition reports drawn from the others, and the master playlist, written once every rung has its
 * first part (the moment the stream is playable for an LL-HLS player).
 */
import { EventEmitter } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyIn } from '@streamhub/infra/media-storage/keys';
import { type LocalDirectory, type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import { MASTER_PLAYLIST, type Rung } from '../../ffmpeg/ladder.ts';
import { type RenditionEdge, RenditionPackager } from './rendition-packager.ts';

export interface LowLatencySettings {
  partTargetSeconds: number;
  /** Seconds of live playlist kept for rewinding (the DVR window). */
  windowSeconds: number;
}

export interface LadderPackagerOptions extends LowLatencySettings {
  rungs: readonly Rung[];
  hasAudio: boolean;
  segmentSeconds: number;
  record: boolean;
  media: MediaStorage;
  dir: LocalDirectory;
  logger: Logger;
}

export interface LadderPackagerEvents {
  /** Every rung has a part and the master playlist is stored. */
  playable: [];
  /** A rung's playlist names a new part. */
  updated: [RenditionEdge];
}

export class LadderPackager extends EventEmitter<LadderPackagerEvents> {
  private readonly options: LadderPackagerOptions;
  private readonly renditions: RenditionPackager[];
  private masterWritten = false;

  constructor(options: LadderPackagerOptions) {
    super();
    this.options = options;
    this.renditions = options.rungs.map(
      (rung) =>
        new RenditionPackager({
          name: rung.name,
          media: options.media,
          dir: options.dir,
          partTargetSeconds: options.partTargetSeconds,
          segmentSeconds: options.segmentSeconds,
          windowSeconds: options.windowSeconds,
          record: options.record,
          reports: () => this.reportsFor(rung.name),
          logger: options.logger,
        }),
    );
    for (const rendition of this.renditions) {
      rendition.on('updated', (edge) => {
        this.emit('updated', edge);
        void this.maybePlayable();
      });
    }
  }

  private reportsFor(name: string) {
    return this.renditions
      .filter((r) => r.edge.name !== name)
      .map((r) => {
        const { lastMsn, lastPart } = r.edge;
        // LAST-MSN/LAST-PART name the newest part: of the open segment when it has one.
        const msn = lastPart ? lastPart.msn : lastMsn;
        return { uri: r.playlistName, lastMsn: Math.max(0, msn), lastPart: lastPart?.index ?? 0 };
      });
  }

  /**
   * Listens for every rung's ffmpeg output; with `continueExisting`, first picks up the playlists a
   * previous publish of the session left. Resolves to the URL per rung name.
   */
  async start(continueExisting: boolean): Promise<Map<string, string>> {
    const outputs = new Map<string, string>();
    for (const [i, rendition] of this.renditions.entries()) {
      if (continueExisting) {
        const text = await readMediaBytes(
          this.options.media,
          keyIn(this.options.dir.prefix, rendition.playlistName),
        );
        if (text) rendition.restore(text.toString('utf8'));
      }
      outputs.set((this.options.rungs[i] as Rung).name, await rendition.listen());
    }
    return outputs;
  }

  /** The next connection to each rung's socket is the new ffmpeg run. */
  expectRun(): void {
    for (const rendition of this.renditions) rendition.expectRun();
  }

  private async maybePlayable(): Promise<void> {
    if (this.masterWritten || !this.renditions.every((r) => r.edge.lastPart !== undefined)) return;
    this.masterWritten = true;
    const { dir } = this.options;
    const scratch = join(dir.path, `.${MASTER_PLAYLIST}.tmp`);
    await writeFile(scratch, masterPlaylist(this.options.rungs, this.options.hasAudio));
    await rename(scratch, join(dir.path, MASTER_PLAYLIST));
    await dir.sync([MASTER_PLAYLIST]);
    this.emit('playable');
  }

  /** Waits for every file received so far to be stored, then stops listening (after ffmpeg stopped). */
  async close(): Promise<void> {
    await Promise.all(this.renditions.map((r) => r.close()));
  }
}

/** The multivariant playlist: one variant per rung, highest first. */
export function masterPlaylist(rungs: readonly Rung[], hasAudio: boolean): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const rung of rungs) {
    const kbps = rung.maxrateKbps + (hasAudio ? rung.audioKbps : 0);
    const attributes = [`BANDWIDTH=${Math.max(1, kbps) * 1000}`];
    if (rung.videoKbps > 0) attributes.push(`AVERAGE-BANDWIDTH=${(rung.videoKbps + rung.audioKbps) * 1000}`);
    attributes.push(`RESOLUTION=${rung.width}x${rung.height}`);
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, `${rung.name}.m3u8`);
  }
  return `${lines.join('\n')}\n`;
}
