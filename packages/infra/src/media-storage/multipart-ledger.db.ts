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
    const [upload] = await this.db
      .select({ uploadId: multipartUploads.uploadId, object: multipartUploads.object })
      .from(multipartUploads)
      .where(eq(multipartUploads.key, key));
    if (!upload) return undefined;
    const parts = await this.db
      .select({
        partNumber: multipartParts.partNumber,
        start: multipartParts.start,
        size: multipartParts.size,
        etag: multipartParts.etag,
      })
      .from(multipartParts)
      .where(eq(multipartParts.key, key))
      .orderBy(asc(multipartParts.partNumber));
    return { ...upload, parts };
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
