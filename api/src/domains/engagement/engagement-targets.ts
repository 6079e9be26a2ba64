/**
 * What likes and comments attach to, and the channel each target belongs to (its owner and moderators
 * may remove comments). Targets are resolved through the domain that owns them, never its tables:
 * live sessions through the channels service; videos arrive with the VOD domain as one more resolver.
 */
import type { EngagementTargetType } from '@streamhub/contracts/engagement';
import { notFound } from '@streamhub/errors/app-error';
import type { ChannelsService } from '../channels/channels.service.ts';

export interface TargetRef {
  type: EngagementTargetType;
  id: string;
}

export interface ResolvedTarget extends TargetRef {
  channelId: string;
  channelOwnerId: string;
}

/** Finds a target by id; throws AppError `not_found` when it does not exist. */
export type TargetResolver = (id: string) => Promise<ResolvedTarget>;

export const TARGET_LABELS: Readonly<Record<EngagementTargetType, string>> = {
  live_session: 'Live session',
  video: 'Video',
};

// Ids per statement when deleting by target: a bounded parameter list however much an account owned.
const TARGET_BATCH = 1000;

/** Targets grouped by type, in batches of bounded size, without repeats. */
export function targetBatches(
  targets: readonly TargetRef[],
): { type: EngagementTargetType; ids: string[] }[] {
  const byType = new Map<EngagementTargetType, Set<string>>();
  for (const { type, id } of targets) {
    const ids = byType.get(type) ?? new Set<string>();
    byType.set(type, ids.add(id));
  }
  const batches: { type: EngagementTargetType; ids: string[] }[] = [];
  for (const [type, ids] of byType) {
    const list = [...ids];
    for (let start = 0; start < list.length; start += TARGET_BATCH) {
      batches.push({ type, ids: list.slice(start, start + TARGET_BATCH) });
    }
  }
  return batches;
}

export class EngagementTargets {
  constructor(private readonly resolvers: Partial<Record<EngagementTargetType, TargetResolver>>) {}

  /** The target with its channel; `not_found` when it does not exist or its kind has no resolver yet. */
  async resolve(target: TargetRef): Promise<ResolvedTarget> {
    const resolver = this.resolvers[target.type];
    if (!resolver) throw notFound(TARGET_LABELS[target.type]);
    return resolver(target.id);
  }
}

/** Live sessions (and so their recordings) as targets, looked up through the channels service. */
export function liveSessionTargets(channels: Pick<ChannelsService, 'sessionReference'>): TargetResolver {
  return async (id) => {
    const session = await channels.sessionReference(id);
    return {
      type: 'live_session',
      id: session.id,
      channelId: session.channelId,
      channelOwnerId: session.ownerId,
    };
  };
}
