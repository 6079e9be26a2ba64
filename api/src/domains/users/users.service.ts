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
import type { UserRole, UserRow } from '@streamhub/db/schema/auth';
import { AppError, conflict, forbidden, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { Logger } from '@streamhub/logger/logger';
import type { MediaStore } from '../../media/media-store.ts';
import { toAccount } from '../auth/auth.service.ts';
import { hashPassword, type ScryptParams, verifyPassword } from '../auth/password.ts';
import type { SessionService } from '../auth/session.service.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { VideosService } from '../videos/videos.service.ts';
import { AVATAR_SIZES, type AvatarRenditions, renderAvatar, UnsupportedImageError } from './avatar-image.ts';
import type { UsersRepository } from './users.repository.ts';

export interface UsersServiceDeps {
  users: UsersRepository;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  /**
   * `user.suspended` goes here: the media node cuts the suspended user's broadcast. So does
   * `user.deleted`: each domain removes what the deleted account owned.
   */
  events: Pick<EventBus<DomainEvents>, 'publish'>;
  /** Asked, before an account is deleted, for the ids of what it owns there (they cascade with it). */
  channels: Pick<ChannelsService, 'broadcastsOf'>;
  videos: Pick<VideosService, 'idsOwnedBy'>;
  /** Where a `user.deleted` that could not be published is reported (the deletion itself stands). */
  logger: Pick<Logger, 'error'>;
  media: MediaStore;
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
/** The only names `GET /media/avatars/{file}` serves. */
export const AVATAR_FILE_NAME = /^[A-Za-z0-9_-]{22}-(?:256|64)\.webp$/;

const avatarFileName = (avatarId: string, size: number) => `${avatarId}-${size}.webp`;

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

  /** The bytes of one avatar file, by its public name (`<avatarId>-256.webp` or `-64.webp`). */
  async avatarFile(name: string): Promise<Buffer> {
    const bytes = AVATAR_FILE_NAME.test(name) ? await this.deps.media.read('avatars', name) : undefined;
    if (!bytes) throw notFound('Avatar');
    return bytes;
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
    const deleted = await this.deps.users.delete(user.id);
    if (!deleted) throw notFound('User');
    await this.removeAvatarFiles(deleted.avatarId);
    this.announceDeletion({
      userId: user.id,
      channelId: broadcasts?.channelId ?? null,
      liveSessions: broadcasts?.sessions ?? [],
      videoIds,
      deletedAt: new Date().toISOString(),
    });
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
      user = await this.deps.users.create({
        email: input.email,
        username: input.username,
        role: input.role,
        passwordHash,
        emailVerifiedAt: new Date(),
      });
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        throw conflict(`That ${error.constraint} is already registered.`);
      }
      throw error;
    }
    await this.deps.events.publish('user.registered', {
      userId: user.id,
      username: user.username,
      email: user.email,
    });
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
    const user = await this.deps.users.setStatus(targetId, 'suspended');
    if (!user) throw notFound('User');
    await this.deps.sessions.revokeAllForUser(user.id, 'suspended');
    await this.deps.events.publish('user.suspended', {
      userId: user.id,
      suspendedAt: user.updatedAt.toISOString(),
    });
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
   * Not awaited: the account is gone whatever happens here, and a broker that is down (a Redis client
   * queues commands until it reconnects) must not hold the response. A lost event leaves data behind,
   * so it is logged with everything needed to clean up by hand.
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
    const url = (size: number) => `${this.deps.publicUrl}/media/avatars/${avatarFileName(avatarId, size)}`;
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
        this.deps.media.write('avatars', avatarFileName(avatarId, AVATAR_SIZES.large), renditions.large),
        this.deps.media.write('avatars', avatarFileName(avatarId, AVATAR_SIZES.small), renditions.small),
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
      Object.values(AVATAR_SIZES).map((size) =>
        this.deps.media.remove('avatars', avatarFileName(avatarId, size)),
      ),
    );
  }
}
