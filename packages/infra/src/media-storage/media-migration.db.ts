/** {@link MigrationLedger} in the database (`media.migrated_objects`). */
import type { Db } from '@streamhub/db/client';
import { migratedObjects } from '@streamhub/db/schema/media';
import { and, eq } from 'drizzle-orm';
import type { MediaKey } from './keys.ts';
import type { MigratedObject, MigrationLedger } from './media-migration.ts';

export class DbMigrationLedger implements MigrationLedger {
  constructor(private readonly db: Db) {}

  async find(target: string, key: MediaKey): Promise<MigratedObject | undefined> {
    const [row] = await this.db
      .select({
        size: migratedObjects.size,
        sourceModified: migratedObjects.sourceModified,
        sha256: migratedObjects.sha256,
      })
      .from(migratedObjects)
      .where(and(eq(migratedObjects.target, target), eq(migratedObjects.key, key)));
    return row && { key, ...row };
  }

  async record(target: string, object: MigratedObject): Promise<void> {
    const values = {
      size: object.size,
      sourceModified: object.sourceModified,
      sha256: object.sha256,
      migratedAt: new Date(),
    };
    await this.db
      .insert(migratedObjects)
      .values({ target, key: object.key, ...values })
      .onConflictDoUpdate({ target: [migratedObjects.target, migratedObjects.key], set: values });
  }
}
