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
import { type FSWatcher, watch } from 'node:fs';
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
  private watcher: FSWatcher | undefined;
  private pass: Promise<void> = Promise.resolve();
  private running = false;
  /** Something changed while a pass ran: another one follows at once. */
  private again = false;
  private stopped = false;

  constructor(private readonly options: LiveOutputUploadOptions) {}

  /**
   * Starts publishing: a pass runs the moment ffmpeg renames a playlist into place (it does so right
   * after closing the segment the playlist adds), and every `intervalMs` in case an event is missed.
   */
  start(): void {
    if (this.timer || this.stopped) return;
    try {
      this.watcher = watch(this.options.directory.path, (_event, name) => {
        if (name === null || name.includes('.m3u8')) this.kick();
      });
      this.watcher.on('error', (error) =>
        this.options.logger.warn({ err: error }, 'live upload watch failed; polling only'),
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'live upload watch failed; polling only');
    }
    this.timer = setInterval(() => this.kick(), this.options.intervalMs);
    this.kick();
  }

  /** Stops watching and finishes the pass under way, then uploads what ffmpeg wrote last. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.pass;
    await this.upload();
  }

  /** Runs a pass now, or right after the one under way: one at a time, none skipped. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.pass = (async () => {
      do {
        this.again = false;
        await this.upload().catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'live upload pass failed'),
        );
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = false;
    });
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
    const candidates = [...named].filter((name) => !this.uploaded.has(name));
    const present = await Promise.all(candidates.map((name) => exists(join(directory.path, name))));
    const fresh = candidates.filter((_, i) => present[i]);
    // Every rung's new segments at once, then every changed variant at once: the order that matters is
    // between the tiers (segments, variants, master), not within one.
    if (fresh.length > 0) {
      await directory.sync(fresh);
      for (const name of fresh) this.uploaded.add(name);
    }
    const changed = [...texts].filter(([name, text]) => this.stored.get(name) !== text);
    await Promise.all(
      changed.map(async ([name, text]) => {
        await media.write(keyIn(directory.prefix, name), Buffer.from(text));
        this.stored.set(name, text);
      }),
    );
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
    const gone = [...this.uploaded].filter((name) => !named.has(name));
    await Promise.all(
      gone.map(async (name) => {
        await media.delete(keyIn(directory.prefix, name));
        this.uploaded.delete(name);
      }),
    );
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
