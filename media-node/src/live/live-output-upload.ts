/**
 * Publishes a live session's HLS to an object store while ffmpeg writes it, in Owncast's order: every
 * segment (or part, or init section) a playlist names is uploaded before that playlist, and the variant
 * playlists before the master. Each pass reads a playlist once and uploads exactly those bytes, so the
 * stored playlist never names a file the store does not have yet. Segments that leave a live window are
 * deleted from the store, unless the session records (then its playlist keeps every segment).
 *
 * Only needed when the session's local directory is a copy (`inPlace: false`, the S3 storage); on the
 * filesystem ffmpeg writes the stored files themselves.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRelativeName, keyIn } from '@streamhub/infra/media-storage/keys';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';

export interface LiveOutputUploadOptions {
  directory: LocalDirectory;
  media: MediaStorage;
  /** A recorded session keeps every segment in the store. */
  record: boolean;
  /** How often the directory is looked at (ffmpeg finishes a segment every few seconds). */
  intervalMs: number;
  logger: Logger;
}

const MASTER = 'master.m3u8';
const URI_ATTRIBUTE = /URI="([^"]+)"/g;

/** The files a playlist names, relative to the output directory: media lines and `URI="…"` attributes. */
export function namedFiles(playlistName: string, text: string): string[] {
  const base = playlistName.includes('/') ? playlistName.slice(0, playlistName.lastIndexOf('/') + 1) : '';
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      for (const match of line.matchAll(URI_ATTRIBUTE)) names.push(`${base}${match[1]}`);
    } else {
      names.push(`${base}${line}`);
    }
  }
  // Anything else (absolute URLs, other directories) is not this directory's to upload.
  return names.filter(isRelativeName);
}

export class LiveOutputUpload {
  /** Files named by the playlists, as uploaded so far. */
  private readonly uploaded = new Set<string>();
  /** Playlist name → the text last stored. */
  private readonly stored = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: LiveOutputUploadOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.pass = this.upload()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'live upload pass failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops watching and finishes the pass under way, then uploads what ffmpeg wrote last. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await this.upload();
  }

  /** One pass: new named files, then every changed variant playlist, then the master playlist. */
  private async upload(): Promise<void> {
    const { directory, media } = this.options;
    const playlists = (await readdir(directory.path)).filter(
      (name) => name.endsWith('.m3u8') && isRelativeName(name),
    );
    const variants = playlists.filter((name) => name !== MASTER);
    const texts = new Map<string, string>();
    for (const name of variants) {
      const text = await readFile(join(directory.path, name), 'utf8').catch(() => undefined);
      if (text !== undefined) texts.set(name, text);
    }
    const named = new Set([...texts].flatMap(([name, text]) => namedFiles(name, text)));
    // A name whose file is not there yet (an LL-HLS preload hint) waits for a later pass.
    const fresh: string[] = [];
    for (const name of named) {
      if (!this.uploaded.has(name) && (await exists(join(directory.path, name)))) fresh.push(name);
    }
    if (fresh.length > 0) {
      await directory.sync(fresh);
      for (const name of fresh) this.uploaded.add(name);
    }
    for (const [name, text] of texts) {
      if (this.stored.get(name) === text) continue;
      await media.write(keyIn(directory.prefix, name), Buffer.from(text));
      this.stored.set(name, text);
    }
    if (playlists.includes(MASTER)) {
      const text = await readFile(join(directory.path, MASTER), 'utf8').catch(() => undefined);
      // Only once every variant it names is stored, or a player would be sent to a missing playlist.
      const ready = text !== undefined && namedFiles(MASTER, text).every((name) => this.stored.has(name));
      if (text !== undefined && ready && this.stored.get(MASTER) !== text) {
        await media.write(keyIn(directory.prefix, MASTER), Buffer.from(text));
        this.stored.set(MASTER, text);
      }
    }
    if (this.options.record) return;
    // Out of every playlist now: no viewer is sent to it any more.
    for (const name of [...this.uploaded]) {
      if (named.has(name)) continue;
      await media.delete(keyIn(directory.prefix, name));
      this.uploaded.delete(name);
    }
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
