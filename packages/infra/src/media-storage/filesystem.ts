/**
 * {@link MediaStorage} on a local (or shared network) filesystem: the object `<key>` is the file
 * `<dataDir>/media/<key>`, the layout StreamHub has always used. The only module that turns a media key into
 * a path. Whole objects are written aside under a hidden name and renamed into place, so readers never see
 * half a file; hidden names are never objects.
 */
import { randomUUID } from 'node:crypto';
import { type BigIntStats, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertMediaKey,
  assertMediaPrefix,
  InvalidMediaKeyError,
  isMediaKey,
  isMediaPrefix,
  isRelativeName,
  type MediaKey,
  type MediaPrefix,
} from './keys.ts';
import {
  type ByteRange,
  type LocalDirectory,
  type MediaAccess,
  type MediaEntry,
  MediaNotFoundError,
  MediaRangeNotSatisfiableError,
  type MediaRead,
  type MediaStat,
  type MediaStorage,
  type UploadWriter,
} from './port.ts';

export interface FilesystemMediaStorageOptions {
  /** The process's data directory (STREAMHUB_DATA_DIR); media goes to `<dataDir>/media`. */
  dataDir: string;
  /**
   * A URL under which a web server (or CDN) serves `<dataDir>/media` as is, for public objects. Unset:
   * everything is served through the gateway.
   */
  publicBaseUrl?: string;
}

/** The directory that holds every object of a filesystem storage on `dataDir`. */
const mediaRoot = (dataDir: string): string => join(dataDir, 'media');

/** The file of `key` in a filesystem storage on `dataDir` (tests look at the layout through it). */
export function filesystemMediaPath(dataDir: string, key: MediaKey | MediaPrefix): string {
  if (!isMediaKey(key) && !isMediaPrefix(key)) throw new InvalidMediaKeyError('media key', key);
  return join(mediaRoot(dataDir), ...key.split('/'));
}

export class FilesystemMediaStorage implements MediaStorage {
  readonly kind = 'filesystem';
  private readonly root: string;
  private readonly publicBaseUrl: string | undefined;

  constructor(options: FilesystemMediaStorageOptions) {
    this.root = mediaRoot(options.dataDir);
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
  }

  async write(key: MediaKey, body: Uint8Array | Readable): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
    try {
      if (body instanceof Uint8Array) await writeFile(temporary, body);
      else await pipeline(body, createWriteStream(temporary));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async stat(key: MediaKey): Promise<MediaStat | undefined> {
    const path = this.pathOf(key);
    const info = await stat(path, { bigint: true }).catch(ignoreMissing);
    return info?.isFile() ? statOf(info) : undefined;
  }

  async read(key: MediaKey, options: { range?: ByteRange } = {}): Promise<MediaRead | undefined> {
    const path = this.pathOf(key);
    // Opened before it is measured: a replacement renamed in meanwhile cannot mix two versions.
    const handle = await open(path, 'r').catch(ignoreMissing);
    if (!handle) return undefined;
    try {
      const info = await handle.stat({ bigint: true });
      if (!info.isFile()) {
        await handle.close();
        return undefined;
      }
      const found = statOf(info);
      const range = clampRange(options.range, found.size);
      if (range.end < range.start) {
        await handle.close();
        return { stat: found, range, body: Readable.from([]) };
      }
      return { stat: found, range, body: handle.createReadStream({ start: range.start, end: range.end }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async list(prefix: MediaPrefix): Promise<MediaEntry[]> {
    const entries: MediaEntry[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      const names = await readdir(dir, { withFileTypes: true }).catch(ignoreMissing);
      for (const entry of names ?? []) {
        const key = `${keyPrefix}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.')) await walk(join(dir, entry.name), key);
        } else if (entry.isFile() && isMediaKey(key)) {
          const info = await stat(join(dir, entry.name)).catch(ignoreMissing);
          if (info) entries.push({ key, size: info.size, modified: info.mtime });
        }
      }
    };
    await walk(this.prefixPath(prefix), prefix);
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listPrefixes(prefix: MediaPrefix): Promise<string[]> {
    const names = await readdir(this.prefixPath(prefix), { withFileTypes: true }).catch(ignoreMissing);
    return (names ?? [])
      .filter((entry) => entry.isDirectory() && isRelativeName(entry.name))
      .map((entry) => entry.name)
      .sort();
  }

  async delete(key: MediaKey): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: MediaPrefix): Promise<void> {
    // Retries cover a straggling writer (a thumbnail, the live pipeline) landing a file meanwhile (ENOTEMPTY).
    await rm(this.prefixPath(prefix), { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }

  async url(key: MediaKey, access: MediaAccess): Promise<string | undefined> {
    assertMediaKey(key);
    // Files cannot be signed: anything but public media goes through the gateway and its checks.
    return access.kind === 'public' && this.publicBaseUrl ? `${this.publicBaseUrl}/${key}` : undefined;
  }

  async unpublish(prefix: MediaPrefix): Promise<void> {
    // The public base URL, if any, serves the media directory as is: there is no copy to withdraw.
    assertMediaPrefix(prefix);
  }

  async localDirectory(prefix: MediaPrefix): Promise<LocalDirectory> {
    const path = this.prefixPath(prefix);
    await mkdir(path, { recursive: true });
    return {
      path,
      prefix,
      inPlace: true,
      // The directory is the storage: files renamed into place are already objects.
      sync: async (names = []) => {
        for (const name of names) {
          if (!isRelativeName(name)) throw new InvalidMediaKeyError(`file name under ${prefix}`, name);
        }
      },
      release: async () => {},
    };
  }

  async createUpload(key: MediaKey, options: { target?: MediaKey } = {}): Promise<void> {
    // A rename completes an upload wherever it is: the target changes nothing here.
    if (options.target) assertMediaKey(options.target);
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await (await open(path, 'w')).close();
  }

  async openUpload(key: MediaKey, offset: number): Promise<UploadWriter> {
    const handle = await open(this.pathOf(key), 'r+').catch(ignoreMissing);
    if (!handle) throw new MediaNotFoundError(key);
    let position = offset;
    let closed: Promise<number> | undefined;
    return {
      append: async (bytes) => {
        await writeAll(handle, bytes, position);
        position += bytes.byteLength;
      },
      sync: async () => {
        await handle.sync();
        return position;
      },
      close: () => {
        closed ??= handle
          .sync()
          .finally(() => handle.close())
          .then(() => position);
        return closed;
      },
    };
  }

  async completeUpload(key: MediaKey, target: MediaKey): Promise<void> {
    const from = this.pathOf(key);
    const to = this.pathOf(target);
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(from, to);
    } catch (error) {
      if (!isMissing(error)) throw error;
      // Completed before (a retry after a crash or a failed probe): the target is the result.
      if (!(await this.stat(target))) throw new MediaNotFoundError(key);
    }
  }

  /** Tools read the files where they are (`localDirectory` is in place). */
  async toolUrl(key: MediaKey): Promise<string | undefined> {
    assertMediaKey(key);
    return undefined;
  }

  private pathOf(key: MediaKey): string {
    return join(this.root, ...assertMediaKey(key).split('/'));
  }

  private prefixPath(prefix: MediaPrefix): string {
    return join(this.root, ...assertMediaPrefix(prefix).split('/'));
  }
}

function statOf(info: BigIntStats): MediaStat {
  return {
    size: Number(info.size),
    // The inode changes with every write (each is a rename of a new file), the time within a write.
    etag: `"${info.ino.toString(16)}-${info.size.toString(16)}-${info.mtimeNs.toString(16)}"`,
    modified: info.mtime,
  };
}

/** The inclusive range to send; an empty object sends nothing ({start: 0, end: -1}). */
function clampRange(range: ByteRange | undefined, size: number): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  if (!Number.isSafeInteger(range.start) || range.start < 0 || range.start >= size) {
    throw new MediaRangeNotSatisfiableError(size);
  }
  const end = range.end === undefined ? size - 1 : Math.min(range.end, size - 1);
  if (!Number.isSafeInteger(end) || end < range.start) throw new MediaRangeNotSatisfiableError(size);
  return { start: range.start, end };
}

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A catch handler: undefined for a missing file, rethrows anything else. */
function ignoreMissing(error: unknown): undefined {
  if (isMissing(error) || (error as NodeJS.ErrnoException | undefined)?.code === 'EISDIR') return undefined;
  throw error;
}
