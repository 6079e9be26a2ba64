/**
 * drizzle queries on `engagement.comments`. No rules here: the comments service decides. Authors' names
 * are joined from `users.users` (exported for reads) for display, as the chat repository does.
 */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetAfter, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import { type CommentRow, comments } from '@streamhub/db/schema/engagement';
import { users } from '@streamhub/db/schema/users';
import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';
import { type TargetRef, targetBatches } from './engagement-targets.ts';

export interface CommentView {
  comment: CommentRow;
  author: { id: string; username: string; displayName: string | null };
  replyCount: number;
}

export interface NewComment {
  target: TargetRef;
  authorId: string;
  parentId: string | null;
  body: string;
}

export class CommentsRepository {
  constructor(private readonly db: Db) {}

  /** `then` runs in the insert's transaction (the comment's durable event). */
  async insert(input: NewComment, then?: InTransaction<CommentRow>): Promise<CommentRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(comments)
        .values({
          targetType: input.target.type,
          targetId: input.target.id,
          authorId: input.authorId,
          parentId: input.parentId,
          body: input.body,
        })
        .returning();
      if (!row) throw new Error('insert into engagement.comments returned no row');
      await then?.(tx, row);
      return row;
    });
  }

  async find(id: string): Promise<CommentRow | undefined> {
    const [row] = await this.db.select().from(comments).where(eq(comments.id, id)).limit(1);
    return row;
  }

  /** A comment with its author and reply count. */
  async findView(id: string): Promise<CommentView | undefined> {
    const [row] = await this.views().where(eq(comments.id, id)).limit(1);
    return row && toView(row);
  }

  /** A target's top-level comments, newest first. Throws `InvalidCursorError` for a foreign cursor. */
  async topLevelPage(target: TargetRef, options: PageOptions): Promise<Page<CommentView>> {
    assertLimit(options.limit);
    const filters: SQL[] = [
      eq(comments.targetType, target.type),
      eq(comments.targetId, target.id),
      isNull(comments.parentId),
    ];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(comments.createdAt, comments.id, decodeCursor(options.cursor)));
    }
    const rows = await this.views()
      .where(and(...filters))
      .orderBy(desc(comments.createdAt), desc(comments.id))
      .limit(options.limit + 1);
    return toPage(rows, options.limit);
  }

  /** A comment's replies, oldest first (a conversation reads downwards). Throws `InvalidCursorError`. */
  async repliesPage(parentId: string, options: PageOptions): Promise<Page<CommentView>> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(comments.parentId, parentId)];
    if (options.cursor !== undefined) {
      filters.push(keysetAfter(comments.createdAt, comments.id, decodeCursor(options.cursor)));
    }
    const rows = await this.views()
      .where(and(...filters))
      .orderBy(asc(comments.createdAt), asc(comments.id))
      .limit(options.limit + 1);
    return toPage(rows, options.limit);
  }

  /** Replaces the body and stamps the edit; undefined when the comment is gone. */
  async updateBody(id: string, body: string): Promise<CommentRow | undefined> {
    const [row] = await this.db
      .update(comments)
      .set({ body, editedAt: sql`now()` })
      .where(eq(comments.id, id))
      .returning();
    return row;
  }

  /** Deletes a comment; its replies go with it (`parent_id` cascades). True when it existed. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(comments).where(eq(comments.id, id)).returning({ id: comments.id });
    return deleted.length > 0;
  }

  /** Removes every comment on the given targets, whoever wrote it, replies included. */
  async deleteOnTargets(targets: readonly TargetRef[]): Promise<void> {
    for (const { type, ids } of targetBatches(targets)) {
      await this.db
        .delete(comments)
        .where(and(eq(comments.targetType, type), inArray(comments.targetId, ids)));
    }
  }

  private views() {
    return this.db
      .select({
        comment: comments,
        author: { id: users.id, username: users.username, displayName: users.displayName },
        // Uses comments_parent_idx; a correlated count is cheap for one page of comments.
        replyCount:
          sql<number>`(select count(*) from ${comments} as reply where reply.parent_id = ${comments.id})`.mapWith(
            Number,
          ),
        createdAtKey: keysetTimestamp(comments.createdAt),
      })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .$dynamic();
  }
}

interface ViewRow extends CommentView {
  createdAtKey: string;
}

const toView = ({ comment, author, replyCount }: ViewRow): CommentView => ({ comment, author, replyCount });

function toPage(rows: ViewRow[], limit: number): Page<CommentView> {
  const page = keysetPage(rows, limit, (row) => ({ createdAt: row.createdAtKey, id: row.comment.id }));
  return { items: page.items.map(toView), nextCursor: page.nextCursor };
}
