/**
 * The cross-domain data rule's one list (docs/architecture.md): the tables, and their columns, that a
 * domain lets other domains join read-only. A domain writes only the tables of its own schema file
 * (`schema/<domain>.ts`); it reads another domain's data through that domain's service, or with a
 * read-only join on what the owner lists here. `api/src/domains/cross-domain-rule.test.ts` holds every
 * domain's code to it.
 */
import type { Table } from 'drizzle-orm';
import { channels, liveSessions } from './schema/channels.ts';
import { follows } from './schema/engagement.ts';
import { subscriptions } from './schema/payments.ts';
import { users } from './schema/users.ts';
import { videos } from './schema/videos.ts';

export interface ReadExport {
  readonly table: Table;
  readonly columns: readonly string[];
}

function exported<T extends Table>(
  table: T,
  columns: readonly (keyof T['_']['columns'] & string)[],
): ReadExport {
  return { table, columns };
}

/** By owning domain (the schema file's name): what others may join read-only. */
export const READ_EXPORTS: Readonly<Record<string, readonly ReadExport[]>> = {
  // Public profile columns for names beside messages, comments and channels, and the account's standing
  // (role, status, verified address) that sessions and posting rules check.
  users: [
    exported(users, ['id', 'username', 'displayName', 'avatarId', 'role', 'status', 'emailVerifiedAt']),
  ],
  // A channel's public face and whether it is live, for lists that show channels beside other data.
  channels: [
    exported(channels, ['id', 'ownerId', 'slug', 'title', 'category', 'tags', 'language', 'createdAt']),
    exported(liveSessions, ['id', 'channelId', 'playbackId', 'status', 'startedAt', 'nodeId', 'ingest']),
  ],
  // Which videos wait for or are in transcoding, for the instance's queue gauges (analytics); a clip's
  // title, state and visibility beside its record, for the channel's list of clips (public to viewers).
  videos: [exported(videos, ['id', 'status', 'updatedAt', 'title', 'visibility'])],
  // Who follows whom, for chat's followers-only rule and the channels' follower counts.
  engagement: [exported(follows, ['followerId', 'channelId'])],
  // Who holds a channel subscription's perks, for chat's badge and subscribers-only rule and
  // `subscribers` videos.
  payments: [exported(subscriptions, ['subscriberId', 'channelId', 'status', 'accessUntil'])],
};
