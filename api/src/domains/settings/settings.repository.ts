/** Queries of the settings domain: the stored overrides of the instance settings and their history. */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import {
  type InstanceSettingChangeRow,
  type InstanceSettingRow,
  instanceSettingChanges,
  instanceSettings,
  type StoredSettingChange,
} from '@streamhub/db/schema/settings';
import { users } from '@streamhub/db/schema/users';
import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';

/** A save of the history with its author's names (a read-only join on users, READ_EXPORTS). */
export interface SettingChangeListing {
  change: InstanceSettingChangeRow;
  actor: { id: string; username: string; displayName: string | null } | null;
}

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
   * two admins' concurrent changes each see what the other left), and records the save in the history as
   * `describe` tells it from those rows; `then` runs in the same transaction with the history's row.
   */
  async write(
    writes: SettingWrite[],
    updatedBy: string,
    describe: (before: InstanceSettingRow[]) => StoredSettingChange[],
    then: InTransaction<InstanceSettingChangeRow>,
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
      const [recorded] = await tx
        .insert(instanceSettingChanges)
        .values({ actorId: updatedBy, changes: describe(before) })
        .returning();
      if (!recorded) throw new Error('insert into settings.instance_setting_changes returned no row');
      await then(tx, recorded);
    });
  }

  /** The history, newest first, by keyset going backwards. Throws `InvalidCursorError`. */
  async history(options: PageOptions): Promise<Page<SettingChangeListing>> {
    assertLimit(options.limit);
    const rows = await this.db
      .select({
        change: instanceSettingChanges,
        actorId: users.id,
        username: users.username,
        displayName: users.displayName,
        createdAtKey: keysetTimestamp(instanceSettingChanges.createdAt),
      })
      .from(instanceSettingChanges)
      .leftJoin(users, eq(users.id, instanceSettingChanges.actorId))
      .where(
        options.cursor === undefined
          ? undefined
          : keysetBefore(
              instanceSettingChanges.createdAt,
              instanceSettingChanges.id,
              decodeCursor(options.cursor),
            ),
      )
      .orderBy(desc(instanceSettingChanges.createdAt), desc(instanceSettingChanges.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({
      createdAt: row.createdAtKey,
      id: row.change.id,
    }));
    return {
      items: page.items.map((row) => ({
        change: row.change,
        actor:
          row.actorId === null || row.username === null
            ? null
            : { id: row.actorId, username: row.username, displayName: row.displayName },
      })),
      nextCursor: page.nextCursor,
    };
  }
}
