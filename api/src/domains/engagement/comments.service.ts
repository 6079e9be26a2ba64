/**
 * Rules of comments, for every target type (docs/engagement.md):
 * - anyone signed in comments on a target that exists, within a per-user rate limit;
 * - replies go one level deep: a reply answers a top-level comment of the same target;
 * - only the author edits a comment;
 * - the author, the target channel's owner and moderators, and site admins delete one; its replies go too.
 * Publishes `comment.created`. No HTTP here.
 */
import {
  type Comment,
  CommentBodySchema,
  type CommentPage,
  type CommentsQuery,
  type CreateCommentRequest,
} from '@streamhub/contracts/engagement';
import type { CommentRow } from '@streamhub/db/schema/engagement';
import type { UserRole } from '@streamhub/db/schema/users';
import { AppError, forbidden, notFound, rateLimited, validationFailed } from '@streamhub/errors/app-error';
import type { CounterStore } from '@streamhub/infra/counters/port';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import type { CommentsRepository, CommentView } from './comments.repository.ts';
import { type EngagementTargets, TARGET_LABELS, type TargetRef } from './engagement-targets.ts';

export interface CommentRateLimit {
  /** Comments (replies included) one user may post per window, on all targets together. */
  max: number;
  windowMs: number;
}

/** Enough for a lively conversation, too few for a script flooding a page. */
export const DEFAULT_COMMENT_RATE_LIMIT: CommentRateLimit = { max: 10, windowMs: 60_000 };

export interface CommentsServiceDeps {
  comments: CommentsRepository;
  targets: EngagementTargets;
  /** Chat's moderators also moderate the comments on their channel's targets (ChatService). */
  moderators: { isModerator(channelId: string, userId: string): Promise<boolean> };
  /** Shared by every replica when on Redis, so the rate limit holds across them. */
  counters: CounterStore;
  rateLimit?: CommentRateLimit;
}

/** Who is acting: the signed-in user and their site role (an AuthContext fits). */
export interface CommentActor {
  userId: string;
  role: UserRole;
}

const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));

export class CommentsService {
  private readonly rateLimit: CommentRateLimit;

  constructor(private readonly deps: CommentsServiceDeps) {
    this.rateLimit = deps.rateLimit ?? DEFAULT_COMMENT_RATE_LIMIT;
  }

  /** The target's top-level comments, newest first. */
  async list(target: TargetRef, query: CommentsQuery): Promise<CommentPage> {
    await this.deps.targets.resolve(target);
    const page = await withCursor(() => this.deps.comments.topLevelPage(target, query));
    return { items: page.items.map(toComment), nextCursor: page.nextCursor };
  }

  /** A comment's replies, oldest first. */
  async replies(commentId: string, query: CommentsQuery): Promise<CommentPage> {
    if (!(await this.deps.comments.find(commentId))) throw notFound('Comment');
    const page = await withCursor(() => this.deps.comments.repliesPage(commentId, query));
    return { items: page.items.map(toComment), nextCursor: page.nextCursor };
  }

  async create(actor: CommentActor, target: TargetRef, input: CreateCommentRequest): Promise<Comment> {
    const body = parseBody(input.body);
    await this.deps.targets.resolve(target);
    const parentId = input.parentId ?? null;
    if (parentId !== null) {
      const parent = await this.deps.comments.find(parentId);
      if (!parent || parent.targetType !== target.type || parent.targetId !== target.id) {
        const label = TARGET_LABELS[target.type].toLowerCase();
        throw validationFailed([{ path: 'body.parentId', message: `is not a comment on this ${label}` }]);
      }
      if (parent.parentId !== null) {
        throw new AppError(
          422,
          'reply_to_reply',
          'Replies go one level deep: answer the top-level comment this reply belongs to.',
        );
      }
    }
    await this.checkRateLimit(actor.userId);
    const row = await this.deps.comments.insert(
      { target, authorId: actor.userId, parentId, body },
      (tx, row) =>
        appendDomainEvent(
          tx,
          'comment.created',
          {
            commentId: row.id,
            targetType: row.targetType,
            targetId: row.targetId,
            authorId: row.authorId,
            parentId: row.parentId,
            createdAt: row.createdAt.toISOString(),
          },
          { aggregate: `${row.targetType}:${row.targetId}` },
        ),
    );
    return toComment(await this.view(row.id));
  }

  /** Replaces the body (author only) and marks the comment edited. */
  async update(actor: CommentActor, commentId: string, newBody: string): Promise<Comment> {
    const body = parseBody(newBody);
    const comment = await this.deps.comments.find(commentId);
    if (!comment) throw notFound('Comment');
    if (comment.authorId !== actor.userId) throw forbidden('Only its author may edit a comment.');
    if (!(await this.deps.comments.updateBody(commentId, body))) throw notFound('Comment');
    return toComment(await this.view(commentId));
  }

  /** Deletes a comment and its replies. */
  async delete(actor: CommentActor, commentId: string): Promise<void> {
    const comment = await this.deps.comments.find(commentId);
    if (!comment) throw notFound('Comment');
    if (comment.authorId !== actor.userId && !(await this.moderates(actor, comment))) {
      throw forbidden(
        'Only its author, the channel owner, its moderators and site admins may delete a comment.',
      );
    }
    await this.deps.comments.delete(commentId);
  }

  /** Who wrote a comment (the notifications domain tells them of replies); undefined when it is gone. */
  async authorOf(commentId: string): Promise<string | undefined> {
    return (await this.deps.comments.find(commentId))?.authorId;
  }

  /** Forgets every comment on targets that no longer exist (their account was deleted). Idempotent. */
  async removeAllOn(targets: readonly TargetRef[]): Promise<void> {
    await this.deps.comments.deleteOnTargets(targets);
  }

  // --- helpers ---------------------------------------------------------------------------------------

  /** Whether the actor may remove others' comments on this comment's target. */
  private async moderates(actor: CommentActor, comment: CommentRow): Promise<boolean> {
    if (actor.role === 'admin') return true;
    const target = await this.deps.targets.resolve({ type: comment.targetType, id: comment.targetId });
    if (target.channelOwnerId === actor.userId) return true;
    return this.deps.moderators.isModerator(target.channelId, actor.userId);
  }

  private async view(commentId: string): Promise<CommentView> {
    const view = await this.deps.comments.findView(commentId);
    // Deleted between the write and this read (by a moderator, or the author on another tab).
    if (!view) throw notFound('Comment');
    return view;
  }

  private async checkRateLimit(userId: string): Promise<void> {
    const { max, windowMs } = this.rateLimit;
    const hit = await this.deps.counters.hit(`comments:rate:${userId}`, windowMs);
    if (hit.count > max) throw rateLimited(secondsUntil(hit.resetAt));
  }
}

/** Routes validate bodies already; the service checks again for callers that are not routes. */
function parseBody(body: string): string {
  const parsed = CommentBodySchema.safeParse(body);
  if (!parsed.success) {
    throw validationFailed([{ path: 'body.body', message: parsed.error.issues[0]?.message ?? 'is invalid' }]);
  }
  return parsed.data;
}

function toComment({ comment, author, replyCount }: CommentView): Comment {
  return {
    id: comment.id,
    targetType: comment.targetType,
    targetId: comment.targetId,
    parentId: comment.parentId,
    author,
    body: comment.body,
    createdAt: comment.createdAt.toISOString(),
    edited: comment.editedAt !== null,
    editedAt: comment.editedAt?.toISOString() ?? null,
    replyCount,
  };
}
