/**
 * Public media files (avatars for now) under `<dataDir>/media/<collection>/`. The one place that
 * turns a file name into a path, so the name rules below guard every read and write.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type MediaCollection = 'avatars';

// One path segment of safe characters with at most one extension: no separators, no `..`, no hidden
// files. `-` and `_` may lead, as base64url ids do.
const SAFE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)?$/;
const MAX_NAME_LENGTH = 128;

export function isSafeMediaName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && SAFE_NAME.test(name);
}

export class MediaStore {
  private readonly root: string;

  /** `dataDir` is the process's data directory (STREAMHUB_DATA_DIR). */
  constructor(dataDir: string) {
    this.root = join(dataDir, 'media');
  }

  /** Writes a whole file; readers see the old content or the new one, never a half-written file. */
  async write(collection: MediaCollection, name: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(collection, name);
    await mkdir(join(this.root, collection), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** The file's bytes, or undefined when there is no such file or the name is not a valid one. */
  async read(collection: MediaCollection, name: string): Promise<Buffer | undefined> {
    if (!isSafeMediaName(name)) return undefined;
    try {
      return await readFile(this.pathOf(collection, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deletes a file; a missing one is not an error (deletion is retried and raced safely). */
  async remove(collection: MediaCollection, name: string): Promise<void> {
    await rm(this.pathOf(collection, name), { force: true });
  }

  private pathOf(collection: MediaCollection, name: string): string {
    if (!isSafeMediaName(name)) throw new RangeError(`Unsafe media file name: ${JSON.stringify(name)}`);
    return join(this.root, collection, name);
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
