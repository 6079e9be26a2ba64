/** Queries of the settings domain: the stored overrides of the instance settings. */
import type { Db } from '@streamhub/db/client';
import { type InstanceSettingRow, instanceSettings } from '@streamhub/db/schema/settings';
import { inArray, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

/** One change: a value to store, or `null` to drop the stored one. */
export interface SettingWrite {
  key: string;
  value: unknown;
}

export class SettingsRepository {
  constructor(private readonly db: Db) {}

  async all(): Promise<InstanceSettingRow[]> {
    return this.db.select().from(instanceSettings);
  }

  /**
   * Applies the writes in one transaction, with the rows as they were before (read under row locks, so
   * two admins' concurrent changes each see what the other left); `then` runs in the same transaction.
   */
  async write(
    writes: SettingWrite[],
    updatedBy: string,
    then: InTransaction<InstanceSettingRow[]>,
  ): Promise<void> {
    const keys = writes.map((write) => write.key);
    await this.db.transaction(async (tx) => {
      const before = await tx
        .select()
        .from(instanceSettings)
        .where(inArray(instanceSettings.key, keys))
        .for('update');
      const dropped = writes.filter((write) => write.value === null).map((write) => write.key);
      if (dropped.length > 0) await tx.delete(instanceSettings).where(inArray(instanceSettings.key, dropped));
      const stored = writes.filter((write) => write.value !== null);
      if (stored.length > 0) {
        await tx
          .insert(instanceSettings)
          .values(stored.map(({ key, value }) => ({ key, value, updatedBy, updatedAt: sql`now()` })))
          .onConflictDoUpdate({
            target: instanceSettings.key,
            set: {
              value: sql`excluded.value`,
              updatedBy: sql`excluded.updated_by`,
              updatedAt: sql`excluded.updated_at`,
            },
          });
      }
      await then(tx, before);
    });
  }
}
