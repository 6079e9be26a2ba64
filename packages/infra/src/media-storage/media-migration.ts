/**
 * Copies every stored object from one media storage to another (`streamhub media migrate --to s3`), each
 * verified by reading it back from the target and comparing SHA-256 digests, and recorded in a
 * {@link MigrationLedger} once verified: an interrupted run is simply run again, and skips what is done.
 * Sources are read while they may still change (a live window): an object whose size or time differs
 * from what was recorded is copied again on the next run.
 */
import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MediaCollection, MediaKey, MediaPrefix } from './keys.ts';
import type { MediaEntry, MediaStorage } from './port.ts';

/** What a verified copy was made of. */
export interface MigratedObject {
  key: MediaKey;
  size: number;
  sourceModified: Date;
  sha256: string;
}

/** Where the migration remembers verified copies, per target (`media.migrated_objects`). */
export interface MigrationLedger {
  find(target: string, key: MediaKey): Promise<MigratedObject | undefined>;
  record(target: string, object: MigratedObject): Promise<void>;
}

/** A copy whose bytes read back from the target differ from the source's. */
export class MigrationVerificationError extends Error {
  override readonly name = 'MigrationVerificationError';
  constructor(readonly key: MediaKey) {
    super(`${key} reads back from the target with another SHA-256 than its source`);
  }
}

export interface MigrationProgress {
  /** Objects handled so far (copied or skipped) of `objects`. */
  done: number;
  objects: number;
  bytesDone: number;
  bytes: number;
  copied: number;
  skipped: number;
  /** The object just handled. */
  key: MediaKey;
}

export interface MigrationSummary {
  objects: number;
  bytes: number;
  copied: number;
  skipped: number;
  /** Tus uploads in progress, which cannot move (their clients start again). */
  uploadsLeft: number;
}

/** The collections that move: everything served or processed. Uploads in progress stay behind. */
const MIGRATED: readonly MediaCollection[] = ['avatars', 'vod', 'live'];

export interface MigrateMediaOptions {
  source: MediaStorage;
  target: MediaStorage;
  /** Names the target in the ledger (`s3:<bucket>/<prefix>`), so a new target starts over. */
  targetName: string;
  ledger: MigrationLedger;
  onProgress?: (progress: MigrationProgress) => void;
}

export async function migrateMedia(options: MigrateMediaOptions): Promise<MigrationSummary> {
  const { source, target, targetName, ledger } = options;
  const entries: MediaEntry[] = [];
  for (const collection of MIGRATED) entries.push(...(await source.list(collection as MediaPrefix)));
  const uploadsLeft = (await source.list('uploads' as MediaPrefix)).length;
  const progress: MigrationProgress = {
    done: 0,
    objects: entries.length,
    bytesDone: 0,
    bytes: entries.reduce((sum, entry) => sum + entry.size, 0),
    copied: 0,
    skipped: 0,
    key: '' as MediaKey,
  };
  for (const entry of entries) {
    const recorded = await ledger.find(targetName, entry.key);
    const unchanged =
      recorded?.size === entry.size && recorded.sourceModified.getTime() === entry.modified.getTime();
    // Recorded and unchanged, and still there (the bucket may have been emptied since): done before.
    if (unchanged && (await target.stat(entry.key))?.size === entry.size) {
      progress.skipped++;
    } else if (await copyVerified(source, target, targetName, ledger, entry)) {
      progress.copied++;
    }
    progress.done++;
    progress.bytesDone += entry.size;
    progress.key = entry.key;
    options.onProgress?.({ ...progress });
  }
  return {
    objects: progress.objects,
    bytes: progress.bytes,
    copied: progress.copied,
    skipped: progress.skipped,
    uploadsLeft,
  };
}

/** Copies one object and checks it; false when it vanished from the source meanwhile (a live window). */
async function copyVerified(
  source: MediaStorage,
  target: MediaStorage,
  targetName: string,
  ledger: MigrationLedger,
  entry: MediaEntry,
): Promise<boolean> {
  const read = await source.read(entry.key);
  if (!read) return false;
  const digest = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
  });
  await Promise.all([pipeline(read.body, hashing), target.write(entry.key, hashing)]);
  const sha256 = digest.digest('hex');
  const back = await target.read(entry.key);
  if (!back || (await sha256Of(back.body)) !== sha256) throw new MigrationVerificationError(entry.key);
  // Recorded as listed: a source changed since the listing reads as changed on the next run, and is
  // copied again then.
  await ledger.record(targetName, {
    key: entry.key,
    size: entry.size,
    sourceModified: entry.modified,
    sha256,
  });
  return true;
}

async function sha256Of(body: Readable): Promise<string> {
  const digest = createHash('sha256');
  for await (const chunk of body) digest.update(chunk as Uint8Array);
  return digest.digest('hex');
}
