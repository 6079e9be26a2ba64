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
