/** Builds the process's one {@link MediaStorage} from its settings: the data directory or an S3 bucket. */
import { join } from 'node:path';
import type { Db } from '@streamhub/db/client';
import { FilesystemMediaStorage } from './filesystem.ts';
import { HotCachedMediaStorage } from './hot-cache.ts';
import { DbMultipartLedger } from './multipart-ledger.db.ts';
import type { MediaStorage } from './port.ts';
import { createS3Client, type S3ConnectionSettings, S3MediaStorage } from './s3.ts';

/** Where media lives (`config.mediaStorage`, from `MEDIA_STORAGE` and the `S3_*` settings). */
export type MediaStorageChoice =
  | { kind: 'filesystem'; publicBaseUrl?: string | undefined }
  | (S3ConnectionSettings & {
      kind: 's3';
      bucket: string;
      prefix: string;
      publicBaseUrl?: string | undefined;
      /** Unset: the gateway streams private media (`MEDIA_PRIVATE_DELIVERY`). */
      privateDelivery?: { kind: 'gateway' } | { kind: 'signed'; endpoint: string | undefined };
      /** Memory for hot segments and avatars in front of the bucket; unset or 0: none. */
      hotCacheBytes?: number;
    });

export interface MediaStorageSettings {
  /** STREAMHUB_DATA_DIR: the filesystem storage keeps media in `<dataDir>/media`; S3 its scratch files. */
  dataDir: string;
  /** Unset: the filesystem, served only through the gateway. */
  storage?: MediaStorageChoice;
  /** The database, where the S3 storage keeps its multipart ledger; required for S3. */
  db?: Db;
}

/** The media storage a process runs on; every part of the process gets this one instance. */
export function createMediaStorage(settings: MediaStorageSettings): MediaStorage {
  const storage = settings.storage ?? { kind: 'filesystem' };
  if (storage.kind === 'filesystem') {
    return new FilesystemMediaStorage({ dataDir: settings.dataDir, publicBaseUrl: storage.publicBaseUrl });
  }
  if (!settings.db) throw new Error('The S3 media storage needs the database for its multipart ledger');
  const s3 = new S3MediaStorage({
    client: createS3Client(storage),
    bucket: storage.bucket,
    prefix: storage.prefix,
    publicBaseUrl: storage.publicBaseUrl,
    ...(storage.privateDelivery?.kind === 'signed' && {
      signedUrls: {
        endpoint: storage.privateDelivery.endpoint,
        region: storage.region,
        forcePathStyle: storage.forcePathStyle,
      },
    }),
    toolUrls: { endpoint: storage.endpoint, region: storage.region, forcePathStyle: storage.forcePathStyle },
    ledger: new DbMultipartLedger(settings.db),
    // ffmpeg's working copies (live output, transcodes) go beside the data, not to a small /tmp.
    scratchDir: join(settings.dataDir, 'media-scratch'),
  });
  // Every viewer of a channel asks for the same newest segments: from memory rather than one GetObject each.
  const hot = storage.hotCacheBytes ?? 0;
  return hot > 0 ? new HotCachedMediaStorage(s3, { maxBytes: hot }) : s3;
}
