/** The daily salts of anonymous viewer ids and view tokens (`analytics.salts`). */
import { randomBytes } from 'node:crypto';
import type { Db } from '@streamhub/db/client';
import { analyticsSalts } from '@streamhub/db/schema/analytics';
import { eq, lt } from 'drizzle-orm';

export class SaltsRepository {
  constructor(private readonly db: Db) {}

  /** The salt of `day` (YYYY-MM-DD), made on first use; every replica reads the same one. */
  async saltOf(day: string): Promise<string> {
    await this.db
      .insert(analyticsSalts)
      .values({ day, salt: randomBytes(32).toString('base64url') })
      .onConflictDoNothing();
    const [row] = await this.db.select().from(analyticsSalts).where(eq(analyticsSalts.day, day));
    if (!row) throw new Error(`analytics salt of ${day} vanished`);
    return row.salt;
  }

  /** Forgets the salts of days before `day`: their ids can no longer be recomputed from an address. */
  async deleteBefore(day: string): Promise<void> {
    await this.db.delete(analyticsSalts).where(lt(analyticsSalts.day, day));
  }
}
