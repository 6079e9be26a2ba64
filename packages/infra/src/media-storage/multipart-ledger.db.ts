/** {@link MultipartLedger} in the database (`media.multipart_uploads`, `media.multipart_parts`). */
import type { Db } from '@streamhub/db/client';
import { multipartParts, multipartUploads } from '@streamhub/db/schema/media';
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { MultipartLedger, MultipartPart, MultipartState } from './multipart-ledger.ts';

export class DbMultipartLedger implements MultipartLedger {
  constructor(private readonly db: Db) {}

  async begin(key: string, uploadId: string, object: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Deleting the row cascades to the old upload's parts.
      await tx.delete(multipartUploads).where(eq(multipartUploads.key, key));
      await tx.insert(multipartUploads).values({ key, uploadId, object });
    });
  }

  async find(key: string): Promise<MultipartState | undefined> {
    // One statement (every PATCH and the completion ask): the upload's row with its parts, if any.
    const rows = await this.db
      .select({
        uploadId: multipartUploads.uploadId,
        object: multipartUploads.object,
        partNumber: multipartParts.partNumber,
        start: multipartParts.start,
        size: multipartParts.size,
        etag: multipartParts.etag,
      })
      .from(multipartUploads)
      .leftJoin(multipartParts, eq(multipartParts.key, multipartUploads.key))
      .where(eq(multipartUploads.key, key))
      .orderBy(asc(multipartParts.partNumber));
    const [first] = rows;
    if (!first) return undefined;
    const parts: MultipartPart[] = [];
    for (const { partNumber, start, size, etag } of rows) {
      if (partNumber !== null && start !== null && size !== null && etag !== null) {
        parts.push({ partNumber, start, size, etag });
      }
    }
    return { uploadId: first.uploadId, object: first.object, parts };
  }

  async recordParts(key: string, parts: readonly MultipartPart[]): Promise<void> {
    if (parts.length === 0) return;
    await this.db
      .insert(multipartParts)
      .values(parts.map((part) => ({ key, ...part })))
      .onConflictDoUpdate({
        target: [multipartParts.key, multipartParts.partNumber],
        set: {
          start: sql`excluded.start`,
          size: sql`excluded.size`,
          etag: sql`excluded.etag`,
        },
      });
  }

  async truncate(key: string, fromPartNumber: number): Promise<void> {
    await this.db
      .delete(multipartParts)
      .where(and(eq(multipartParts.key, key), gte(multipartParts.partNumber, fromPartNumber)));
  }

  async forget(key: string): Promise<void> {
    await this.db.delete(multipartUploads).where(eq(multipartUploads.key, key));
  }
}
