/** drizzle queries on `engagement.likes`, for any target type. No rules here: the likes service decides. */
import type { Db } from '@streamhub/db/client';
import { likes } from '@streamhub/db/schema/engagement';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { type TargetRef, targetBatches } from './engagement-targets.ts';

export interface LikeCount {
  likeCount: number;
  /** Whether the given user is among the likers; false when no user was given. */
  liked: boolean;
}

const ofTarget = (target: TargetRef) => and(eq(likes.targetType, target.type), eq(likes.targetId, target.id));

export class LikesRepository {
  constructor(private readonly db: Db) {}

  /** Likes unless already liked. */
  async like(userId: string, target: TargetRef): Promise<void> {
    await this.db
      .insert(likes)
      .values({ userId, targetType: target.type, targetId: target.id })
      .onConflictDoNothing();
  }

  async unlike(userId: string, target: TargetRef): Promise<void> {
    await this.db.delete(likes).where(and(ofTarget(target), eq(likes.userId, userId)));
  }

  /** Removes every like of the given targets, whoever gave it. */
  async deleteOnTargets(targets: readonly TargetRef[]): Promise<void> {
    for (const { type, ids } of targetBatches(targets)) {
      await this.db.delete(likes).where(and(eq(likes.targetType, type), inArray(likes.targetId, ids)));
    }
  }

  /** The target's like count and whether `userId` likes it, in one query (an index-only scan of the key). */
  async count(target: TargetRef, userId?: string): Promise<LikeCount> {
    const [row] = await this.db
      .select({
        likeCount: count(),
        liked:
          userId === undefined
            ? sql<boolean>`false`
            : sql<boolean>`coalesce(bool_or(${likes.userId} = ${userId}), false)`,
      })
      .from(likes)
      .where(ofTarget(target));
    return { likeCount: Number(row?.likeCount ?? 0), liked: row?.liked ?? false };
  }
}
