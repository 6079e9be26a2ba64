/**
 * Rules of likes, for every target type: one like per user and target, liking twice changes nothing,
 * the target must exist. Videos become likeable by registering their resolver, not by changing this.
 */
import type { LikeState } from '@streamhub/contracts/engagement';
import type { EngagementTargets, TargetRef } from './engagement-targets.ts';
import type { LikesRepository } from './likes.repository.ts';

export interface LikesServiceDeps {
  likes: LikesRepository;
  targets: EngagementTargets;
}

export class LikesService {
  constructor(private readonly deps: LikesServiceDeps) {}

  /** Idempotent. */
  async like(userId: string, target: TargetRef): Promise<LikeState> {
    await this.deps.targets.resolve(target);
    await this.deps.likes.like(userId, target);
    return this.deps.likes.count(target, userId);
  }

  /** Idempotent. */
  async unlike(userId: string, target: TargetRef): Promise<LikeState> {
    await this.deps.targets.resolve(target);
    await this.deps.likes.unlike(userId, target);
    return this.deps.likes.count(target, userId);
  }

  /** Forgets every like of targets that no longer exist (their account was deleted). Idempotent. */
  async removeAllOn(targets: readonly TargetRef[]): Promise<void> {
    await this.deps.likes.deleteOnTargets(targets);
  }

  /** The count, and whether the caller likes it (`userId` undefined: anonymous, never liked). */
  async state(target: TargetRef, userId: string | undefined): Promise<LikeState> {
    await this.deps.targets.resolve(target);
    return this.deps.likes.count(target, userId);
  }
}
