/**
 * Media storage bookkeeping, in Postgres schema `media`: what an object store cannot be asked for. The S3
 * media storage (`@streamhub/infra/media-storage/s3`) keeps the S3 multipart upload behind each resumable
 * (tus) upload here, with its parts' ETags, so it needs only CreateMultipartUpload, UploadPart and
 * CompleteMultipartUpload from the store (no ListParts): any gateway replica can resume or complete it.
 * `streamhub media migrate` records here which objects it copied and verified, so it can resume.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, integer, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const mediaSchema = pgSchema('media');

/** One open S3 multipart upload per upload key (`uploads/<videoId>`); replaced when the upload restarts. */
export const multipartUploads = mediaSchema.table('multipart_uploads', {
  key: text('key').primaryKey(),
  /** The store's UploadId. */
  uploadId: text('upload_id').notNull(),
  /** The object the multipart upload completes into (fixed when it is created). */
  object: text('object').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The parts uploaded so far, each at its byte offset in the upload. A resumed writer overwrites parts from
 * its offset on (S3 replaces a part uploaded again under the same number).
 */
export const multipartParts = mediaSchema.table(
  'multipart_parts',
  {
    key: text('key')
      .notNull()
      .references(() => multipartUploads.key, { onDelete: 'cascade' }),
    partNumber: integer('part_number').notNull(),
    start: bigint('start', { mode: 'number' }).notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    etag: text('etag').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.partNumber] }),
    check('multipart_parts_part_number_range', sql`${t.partNumber} BETWEEN 1 AND 10000`),
  ],
);

/**
 * Objects `streamhub media migrate` copied to a storage (`target`: `s3:<bucket>/<prefix>`) and verified by
 * reading them back (SHA-256). A rerun skips those whose source is unchanged (size and time).
 */
export const migratedObjects = mediaSchema.table(
  'migrated_objects',
  {
    key: text('key').notNull(),
    target: text('target').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sourceModified: timestamp('source_modified', { withTimezone: true }).notNull(),
    sha256: text('sha256').notNull(),
    migratedAt: timestamp('migrated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.target, t.key] })],
);
