/** Queries of the restream domain (table `restream.destinations`). */
import type { Db } from '@streamhub/db/client';
import { liveSessions } from '@streamhub/db/schema/channels';
import { restreamDestinations } from '@streamhub/db/schema/restream';
import { and, asc, count, eq } from 'drizzle-orm';

export type DestinationRow = typeof restreamDestinations.$inferSelect;
export type RestreamStateValue = DestinationRow['state'];

export class RestreamRepository {
  constructor(private readonly db: Db) {}

  list(channelId: string): Promise<DestinationRow[]> {
    return this.db
      .select()
      .from(restreamDestinations)
      .where(eq(restreamDestinations.channelId, channelId))
      .orderBy(asc(restreamDestinations.createdAt), asc(restreamDestinations.id));
  }

  async countFor(channelId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(restreamDestinations)
      .where(eq(restreamDestinations.channelId, channelId));
    return row?.n ?? 0;
  }

  async insert(row: typeof restreamDestinations.$inferInsert): Promise<DestinationRow> {
    const [created] = await this.db.insert(restreamDestinations).values(row).returning();
    if (!created) throw new Error('insert returned no row');
    return created;
  }

  async update(
    channelId: string,
    id: string,
    patch: Partial<Pick<DestinationRow, 'name' | 'url' | 'keySealed' | 'keyHint' | 'enabled'>>,
  ): Promise<DestinationRow | undefined> {
    const [row] = await this.db
      .update(restreamDestinations)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(restreamDestinations.channelId, channelId), eq(restreamDestinations.id, id)))
      .returning();
    return row;
  }

  async remove(channelId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(restreamDestinations)
      .where(and(eq(restreamDestinations.channelId, channelId), eq(restreamDestinations.id, id)))
      .returning({ id: restreamDestinations.id });
    return rows.length > 0;
  }

  /** The enabled destinations of the channel a live session belongs to. */
  forSession(sessionId: string): Promise<DestinationRow[]> {
    return this.db
      .select({ destination: restreamDestinations })
      .from(liveSessions)
      .innerJoin(restreamDestinations, eq(restreamDestinations.channelId, liveSessions.channelId))
      .where(and(eq(liveSessions.id, sessionId), eq(restreamDestinations.enabled, true)))
      .orderBy(asc(restreamDestinations.createdAt))
      .then((rows) => rows.map((r) => r.destination));
  }

  /** Records a reported state, only for a destination of the session's channel (a stale node cannot write others). */
  async setState(
    sessionId: string,
    id: string,
    state: RestreamStateValue,
    reason: string | null,
  ): Promise<void> {
    const [session] = await this.db
      .select({ channelId: liveSessions.channelId })
      .from(liveSessions)
      .where(eq(liveSessions.id, sessionId));
    if (!session) return;
    await this.db
      .update(restreamDestinations)
      .set({ state, stateReason: reason, stateAt: new Date() })
      .where(and(eq(restreamDestinations.id, id), eq(restreamDestinations.channelId, session.channelId)));
  }
}
