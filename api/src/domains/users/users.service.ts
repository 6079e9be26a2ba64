/** Rules of the users domain: profiles, avatars, account deletion, roles and suspension. No HTTP here. */
import { randomBytes } from 'node:crypto';
import type { DomainEventPayload, DomainEvents } from '@streamhub/contracts/events';
import type {
  AdminUser,
  CreateUserRequest,
  DeleteAccountRequest,
  ListUsersQuery,
  MyAccount,
  PublicProfile,
  UpdateProfileRequest,
  UserList,
} from '@streamhub/contracts/users';
import { InvalidCursorError, UniqueViolationError } from '@streamhub/db/errors';
import type { UserRole, UserRow } from '@streamhub/db/schema/users';
import { AppError, conflict, forbidden, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { type AvatarSize, mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { ByteRange, MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import { answerMedia, type MediaAnswer } from '../../media/media-response.ts';
import { toAccount } from '../auth/auth.service.ts';
import { hashPassword, type ScryptParams, verifyPassword } from '../auth/password.ts';
import type { SessionService } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { VideosService } from '../videos/videos.service.ts';
import { AVATAR_SIZES, type AvatarRenditions, renderAvatar, UnsupportedImageError } from './avatar-image.ts';
import { appendUserRegistered } from './user-events.ts';
import type { UsersRepository } from './users.repository.ts';

export interface UsersServiceDeps {
  users: UsersRepository;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  /**
   * The ephemeral copies of `user.suspended` and `user.deleted` go here: the media node cuts the
   * account's broadcast, the realtime hub signs its sockets out. Both are also stored durably with the
   * change (the outbox), which is what other domains' clean-up consumes.
   */
  events: Pick<EventBus<DomainEvents>, 'publish'>;
  /** Asked, before an account is deleted, for the ids of what it owns there (they cascade with it). */
  channels: Pick<ChannelsService, 'broadcastsOf'>;
  videos: Pick<VideosService, 'idsOwnedBy'>;
  /** Where an ephemeral `user.deleted` that could not be published is reported (the deletion stands). */
  logger: Pick<Logger, 'error'>;
  /** Where avatars are stored (`avatars/<avatarId>-<size>.webp`). */
  media: MediaStorage;
  /** Base of the avatar URLs (PUBLIC_URL). */
  publicUrl: string;
  /** AVATAR_MAX_BYTES. */
  avatarMaxBytes: number;
  /** Cheaper password hashing for tests. */
  scrypt?: ScryptParams;
  /** The image pipeline; replaceable so that a test can observe or fail it. */
  renderAvatar?: (input: Uint8Array) => Promise<AvatarRenditions>;
}

// 16 random bytes as base64url: 22 characters, unguessable, so the URL can be cached forever.
const AVATAR_ID_BYTES = 16;
/** The public name of an avatar file: the last segment of its key. */
const avatarFileName = (avatarId: string, size: AvatarSize) =>
  mediaKeys.avatar(avatarId, size).slice('avatars/'.length);

export class UsersService {
  private readonly render: (input: Uint8Array) => Promise<AvatarRenditions>;

  constructor(private readonly deps: UsersServiceDeps) {
    this.render = deps.renderAvatar ?? renderAvatar;
  }

  async publicProfile(username: string): Promise<PublicProfile> {
    const user = await this.deps.users.findByUsername(username);
    if (!user) throw notFound('User');
    return {
      username: user.username,
      displayName: user.displayName,
      bio: user.bio,
      links: user.links,
      avatar: this.avatarUrls(user.avatarId),
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    };
  }

  async account(userId: string): Promise<MyAccount> {
    return this.toMyAccount(await this.requireUser(userId));
  }

  async updateProfile(userId: string, patch: UpdateProfileRequest): Promise<MyAccount> {
    const updated = await this.deps.users.updateProfile(userId, {
      displayName: patch.displayName,
      // An empty bio is no bio: one way to say "none" keeps clients from showing an empty box.
      bio: patch.bio === '' ? null : patch.bio,
      links: patch.links,
    });
    if (!updated) throw notFound('User');
    return this.toMyAccount(updated);
  }

  /**
   * Replaces the avatar with renditions of `image`. The new files are written before the user points at
   * them and the old ones deleted after, so a profile never links to a missing file.
   */
  async setAvatar(userId: string, image: Uint8Array): Promise<MyAccount> {
    // The actual size, not a Content-Length the client may have lied about.
    if (image.byteLength > this.deps.avatarMaxBytes) {
      throw new AppError(
        413,
        'payload_too_large',
        `The image is ${image.byteLength} bytes; avatars may be at most ${this.deps.avatarMaxBytes} bytes.`,
      );
    }
    let renditions: AvatarRenditions;
    try {
      renditions = await this.render(image);
    } catch (error) {
      if (error instanceof UnsupportedImageError) {
        throw new AppError(415, 'unsupported_image', error.message, { cause: error });
      }
      throw error;
    }
    const avatarId = randomBytes(AVATAR_ID_BYTES).toString('base64url');
    await this.writeAvatar(avatarId, renditions);
    let replaced: Awaited<ReturnType<UsersRepository['replaceAvatarId']>>;
    try {
      replaced = await this.deps.users.replaceAvatarId(userId, avatarId);
    } catch (error) {
      await this.removeAvatarFiles(avatarId);
      throw error;
    }
    if (!replaced) {
      // The account was deleted while the image was being processed.
      await this.removeAvatarFiles(avatarId);
      throw notFound('User');
    }
    await this.removeAvatarFiles(replaced.previousAvatarId);
    return this.toMyAccount(replaced.user);
  }

  async removeAvatar(userId: string): Promise<MyAccount> {
    const replaced = await this.deps.users.replaceAvatarId(userId, null);
    if (!replaced) throw notFound('User');
    await this.removeAvatarFiles(replaced.previousAvatarId);
    return this.toMyAccount(replaced.user);
  }

  /** One avatar file, by its public name (`<avatarId>-256.webp` or `-64.webp`); public media. */
  async avatarFile(name: string, range?: ByteRange): Promise<MediaAnswer> {
    const key = mediaKeys.avatarFile(name);
    const answer = key && (await answerMedia(this.deps.media, key, { kind: 'public' }, range));
    if (!answer) throw notFound('Avatar');
    return answer;
  }

  /**
   * Deletes the caller's account after they confirm: with their password, or with their username for
   * accounts that have no password (OAuth only). Sessions, tokens, the channel, its broadcasts and the
   * videos go with the row (ON DELETE CASCADE); `user.deleted` then tells the other domains to remove
   * what still refers to them (likes and comments on them, files on disk).
   */
  async deleteAccount(userId: string, confirmation: DeleteAccountRequest): Promise<void> {
    const user = await this.requireUser(userId);
    if (user.passwordHash) {
      if (confirmation.password === undefined) {
        throw validationFailed([{ path: 'body.password', message: 'is required to delete this account' }]);
      }
      if (!(await verifyPassword(confirmation.password, user.passwordHash))) {
        throw forbidden('The password is wrong; the account was not deleted.');
      }
    } else {
      if (confirmation.confirm === undefined) {
        throw validationFailed([
          { path: 'body.confirm', message: 'must be your username (this account has no password)' },
        ]);
      }
      if (confirmation.confirm.toLowerCase() !== user.username.toLowerCase()) {
        throw forbidden('The confirmation does not match your username; the account was not deleted.');
      }
    }
    // Read first: afterwards the cascade has taken the rows these ids come from.
    const [broadcasts, videoIds] = await Promise.all([
      this.deps.channels.broadcastsOf(user.id),
      this.deps.videos.idsOwnedBy(user.id),
    ]);
    const event: DomainEventPayload<'user.deleted'> = {
      userId: user.id,
      channelId: broadcasts?.channelId ?? null,
      liveSessions: broadcasts?.sessions ?? [],
      videoIds,
      deletedAt: new Date().toISOString(),
    };
    // Stored with the deletion: the other domains' clean-up (durable consumers) cannot miss it.
    const deleted = await this.deps.users.delete(user.id, (tx) =>
      appendDomainEvent(tx, 'user.deleted', event, { aggregate: `user:${user.id}` }),
    );
    if (!deleted) throw notFound('User');
    await this.removeAvatarFiles(deleted.avatarId);
    this.announceDeletion(event);
  }

  // --- admin -----------------------------------------------------------------------------------------
  // `actorId` is the admin's user id, or null for an operator at the CLI (who is no account).

  /**
   * An account made by an admin or an operator. It is verified at once: whoever creates it vouches for
   * the address, and no email is sent.
   */
  async create(input: CreateUserRequest): Promise<AdminUser> {
    const passwordHash = await hashPassword(input.password, this.deps.scrypt);
    let user: UserRow;
    try {
      user = await this.deps.users.create(
        {
          email: input.email,
          username: input.username,
          role: input.role,
          passwordHash,
          emailVerifiedAt: new Date(),
        },
        (tx, row) => appendUserRegistered(tx, row),
      );
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        throw conflict(`That ${error.constraint} is already registered.`);
      }
      throw error;
    }
    return this.toAdminUser(user);
  }

  async list(query: ListUsersQuery): Promise<UserList> {
    try {
      const page = await this.deps.users.list({
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.query ? { query: query.query } : {}),
      });
      return { items: page.items.map((user) => this.toAdminUser(user)), nextCursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw validationFailed([{ path: 'query.cursor', message: 'is not a cursor from this list' }]);
      }
      throw error;
    }
  }

  /** Role changes apply on the target's next request: the auth guard reads the role from the database. */
  async setRole(actorId: string | null, targetId: string, role: UserRole): Promise<AdminUser> {
    // Otherwise the last admin could lock everyone out of administration.
    if (actorId === targetId && role !== 'admin') {
      throw conflict('You cannot remove your own admin role; ask another admin to do it.');
    }
    const user = await this.deps.users.setRole(targetId, role);
    if (!user) throw notFound('User');
    return this.toAdminUser(user);
  }

  /**
   * Suspends a user: the status makes the auth guard refuse their access tokens from the next request
   * on, and revoking their sessions makes their refresh tokens useless even after an unsuspension.
   * `user.suspended` lets the media node cut their live broadcast (RTMP is not behind the auth guard).
   */
  async suspend(actorId: string | null, targetId: string): Promise<AdminUser> {
    if (actorId === targetId) throw conflict('You cannot suspend your own account.');
    const suspended = (row: UserRow) => ({ userId: row.id, suspendedAt: row.updatedAt.toISOString() });
    const user = await this.deps.users.setStatus(targetId, 'suspended', (tx, row) =>
      appendDomainEvent(tx, 'user.suspended', suspended(row), { aggregate: `user:${row.id}` }),
    );
    if (!user) throw notFound('User');
    await this.deps.sessions.revokeAllForUser(user.id, 'suspended');
    // The termination order to the media node holding their broadcast (ephemeral, docs/events.md).
    await this.deps.events.publish('user.suspended', suspended(user));
    return this.toAdminUser(user);
  }

  /** The user can log in again; sessions revoked by the suspension stay revoked. */
  async unsuspend(targetId: string): Promise<AdminUser> {
    const user = await this.deps.users.setStatus(targetId, 'active');
    if (!user) throw notFound('User');
    return this.toAdminUser(user);
  }

  // --- helpers ---------------------------------------------------------------------------------------

  /**
   * The ephemeral copy of the stored `user.deleted`: the termination order that cuts the account's live
   * broadcast on the media node holding it, and the sign-out of its sockets. Not awaited: the account is
   * gone whatever happens here, and a broker that is down (a Redis client queues commands until it
   * reconnects) must not hold the response. A lost copy leaves a broadcast running until it ends.
   */
  private announceDeletion(payload: DomainEventPayload<'user.deleted'>): void {
    this.deps.events.publish('user.deleted', payload).catch((error: unknown) => {
      this.deps.logger.error({ err: error, event: payload }, 'could not publish user.deleted');
    });
  }

  private async requireUser(userId: string): Promise<UserRow> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw notFound('User');
    return user;
  }

  private avatarUrls(avatarId: string | null): MyAccount['avatar'] {
    if (!avatarId) return null;
    const url = (size: AvatarSize) =>
      `${this.deps.publicUrl}/media/avatars/${avatarFileName(avatarId, size)}`;
    return { large: url(AVATAR_SIZES.large), small: url(AVATAR_SIZES.small) };
  }

  private toMyAccount(user: UserRow): MyAccount {
    return {
      ...toAccount(user),
      bio: user.bio,
      links: user.links,
      avatar: this.avatarUrls(user.avatarId),
      hasPassword: user.passwordHash !== null,
    };
  }

  private toAdminUser(user: UserRow): AdminUser {
    return { ...toAccount(user), status: user.status, avatar: this.avatarUrls(user.avatarId) };
  }

  private async writeAvatar(avatarId: string, renditions: AvatarRenditions): Promise<void> {
    try {
      await Promise.all([
        this.deps.media.write(mediaKeys.avatar(avatarId, AVATAR_SIZES.large), renditions.large),
        this.deps.media.write(mediaKeys.avatar(avatarId, AVATAR_SIZES.small), renditions.small),
      ]);
    } catch (error) {
      await this.removeAvatarFiles(avatarId);
      throw error;
    }
  }

  /**
   * Best effort: the database no longer points at these files, so a failure here leaves only unreachable
   * bytes on disk, which must not turn a completed change into an error for the user.
   */
  private async removeAvatarFiles(avatarId: string | null): Promise<void> {
    if (!avatarId) return;
    await Promise.allSettled(
      Object.values(AVATAR_SIZES).map((size) => this.deps.media.delete(mediaKeys.avatar(avatarId, size))),
    );
  }
}
