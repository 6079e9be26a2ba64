/** Account rules of the identity domain: registration, password login, password change. */
import type { Account, RegisterRequest, TokenPair } from '@streamhub/contracts/auth';
import { UniqueViolationError } from '@streamhub/db/errors';
import type { UserRow } from '@streamhub/db/schema/users';
import { AppError, conflict } from '@streamhub/errors/app-error';
import { appendDomainEvent } from '../../events/durable.ts';
import type { AbuseGuard } from './abuse-guard.ts';
import type { AccountStore } from './account-store.ts';
import type { EmailFlowsService } from './email-flows.service.ts';
import type { AccountsRepository } from './first-account.ts';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, type ScryptParams, verifyPassword } from './password.ts';
import type { SessionService } from './session.service.ts';
import type { SessionMeta } from './sessions.repository.ts';

export interface AuthServiceDeps {
  users: Pick<AccountStore, 'findById' | 'findByEmail' | 'setPasswordHash'>;
  /** Inserts new accounts (with their `user.registered`): the instance's first one becomes its admin. */
  accounts: Pick<AccountsRepository, 'create'>;
  abuse: AbuseGuard;
  sessions: SessionService;
  /** Lower in tests only; production uses the module default. */
  scrypt?: ScryptParams;
  /** Sends the verification link of a new account (the email flows service). */
  emailVerification?: Pick<EmailFlowsService, 'sendVerificationEmail'>;
}

const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'The email or password is wrong.');

export class AuthService {
  // Checked when the email is unknown, so that a miss costs as long as a wrong password.
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly deps: AuthServiceDeps) {}

  private get scrypt(): ScryptParams {
    return this.deps.scrypt ?? DEFAULT_SCRYPT;
  }

  async register(input: RegisterRequest): Promise<Account> {
    const passwordHash = await hashPassword(input.password, this.scrypt);
    let user: UserRow;
    try {
      user = await this.deps.accounts.create({
        email: input.email,
        username: input.username,
        displayName: input.displayName ?? null,
        passwordHash,
      });
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        throw conflict(`That ${error.constraint} is already registered.`);
      }
      throw error;
    }
    // Called here rather than from a `user.registered` subscriber: events are fire-and-forget and every
    // replica receives them, while this email must go out exactly once, through the retried email job.
    // A failure is a 500 although the account exists; the user can log in and ask for a new link.
    await this.deps.emailVerification?.sendVerificationEmail(user);
    return toAccount(user);
  }

  /** Unknown email and wrong password fail alike, in the same time. */
  async login(email: string, password: string, meta: SessionMeta): Promise<TokenPair> {
    // Locked accounts are refused before any password check, so a lock-out cannot be probed around.
    await this.deps.abuse.assertNotLockedOut(email);
    const user = await this.deps.users.findByEmail(email);
    if (!user?.passwordHash) {
      this.decoyHash ??= hashPassword('decoy password never matches', this.scrypt);
      await verifyPassword(password, await this.decoyHash);
      await this.deps.abuse.recordLoginFailure(email);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      await this.deps.abuse.recordLoginFailure(email);
      throw invalidCredentials();
    }
    await this.deps.abuse.recordLoginSuccess(email);
    if (needsRehash(user.passwordHash, this.scrypt)) {
      await this.deps.users.setPasswordHash(user.id, await hashPassword(password, this.scrypt));
    }
    return this.deps.sessions.start(user, meta);
  }

  /** Changes the password and ends every other session (the current one stays signed in). */
  async changePassword(userId: string, sessionId: string, current: string, next: string): Promise<void> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw invalidCredentials();
    if (!user.passwordHash || !(await verifyPassword(current, user.passwordHash))) {
      throw new AppError(403, 'forbidden', 'The current password is wrong.');
    }
    // `user.password_changed` commits with the new hash: the owner is told even if the process dies next.
    await this.deps.users.setPasswordHash(user.id, await hashPassword(next, this.scrypt), (tx) =>
      appendDomainEvent(
        tx,
        'user.password_changed',
        { userId: user.id, via: 'change', changedAt: new Date().toISOString() },
        { aggregate: `user:${user.id}` },
      ),
    );
    await this.deps.sessions.revokeAllForUser(user.id, 'password_changed', sessionId);
  }
}

export function toAccount(user: UserRow): Account {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
