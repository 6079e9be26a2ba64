/**
 * The flows that prove a mailbox: email verification and password reset. Links carry a random token
 * whose hash is stored; emails go out through the `email.send` job, never inline in a request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { EmailTokenPurpose } from '@streamhub/db/schema/auth';
import type { UserRow } from '@streamhub/db/schema/users';
import { AppError, conflict, notFound } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { appendDomainEvent } from '../../events/durable.ts';
import type { AccountStore } from './account-store.ts';
import { type EmailContent, passwordResetEmail, tokenLink, verificationEmail } from './email-messages.ts';
import type { EmailTokensRepository } from './email-tokens.repository.ts';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './password.ts';
import type { SessionService } from './session.service.ts';

export interface EmailFlowsPolicy {
  verifyTtlSeconds: number;
  resetTtlSeconds: number;
  /**
   * A reset link is sent at most once per this many seconds per account while the last one is live.
   * Each new link kills the previous one, so a double-clicked "send" would otherwise deliver two
   * emails of which only the later works; it also caps what anyone can send to someone else's inbox.
   */
  resetCooldownSeconds: number;
  /**
   * Reset requests answer no sooner than this, known address or not, so the response time does not
   * tell whether an account exists. Well above the few queries and the enqueue that a known address costs.
   */
  resetRequestFloorMs: number;
}

export const DEFAULT_EMAIL_FLOWS_POLICY: EmailFlowsPolicy = {
  verifyTtlSeconds: 24 * 3600,
  resetTtlSeconds: 3600,
  resetCooldownSeconds: 60,
  resetRequestFloorMs: 250,
};

export interface EmailFlowsServiceDeps {
  tokens: EmailTokensRepository;
  users: Pick<AccountStore, 'findById' | 'findByEmail'>;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  jobs: JobQueue<JobDefinitionsMap>;
  /** Links point at the web app under this origin (PUBLIC_URL). */
  publicUrl: string;
  /** Lower in tests only; production uses the module default. */
  scrypt?: ScryptParams;
  policy?: Partial<EmailFlowsPolicy>;
}

type Recipient = Pick<UserRow, 'id' | 'email' | 'username'>;

export const invalidEmailToken = () =>
  new AppError(
    400,
    'invalid_email_token',
    'The link is invalid, was already used or has expired; ask for a new one.',
  );

// 32 random bytes: unguessable; only the SHA-256 is stored, so a database leak reveals no usable link.
const newToken = () => randomBytes(32).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export class EmailFlowsService {
  private readonly policy: EmailFlowsPolicy;

  constructor(private readonly deps: EmailFlowsServiceDeps) {
    this.policy = { ...DEFAULT_EMAIL_FLOWS_POLICY, ...deps.policy };
  }

  /** Issues a verification link (earlier ones stop working) and queues the email. */
  async sendVerificationEmail(user: Recipient): Promise<void> {
    const token = await this.issue(user.id, 'verify_email', this.policy.verifyTtlSeconds);
    if (!token) throw notFound('The account');
    const link = tokenLink(this.deps.publicUrl, '/verify-email', token);
    await this.send(
      user.email,
      verificationEmail({ username: user.username, link, validHours: hoursOf(this.policy.verifyTtlSeconds) }),
    );
  }

  /** The signed-in user asks for a (new) verification link. */
  async requestVerification(userId: string): Promise<void> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw notFound('The account');
    if (user.emailVerifiedAt !== null) throw conflict('The email address is already verified.');
    await this.sendVerificationEmail(user);
  }

  async confirmVerification(token: string): Promise<void> {
    if (!(await this.deps.tokens.verifyEmail(hashToken(token)))) throw invalidEmailToken();
  }

  /**
   * Sends a reset link when an account uses this address: password accounts and OAuth-only ones alike
   * (which can set a first password this way). Resolves the same way, after the same floor, either way.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const floor = delay(this.policy.resetRequestFloorMs);
    try {
      await this.sendResetIfAccount(email);
    } finally {
      await floor;
    }
  }

  /** Sets the new password and ends every session: whoever knew the old one is signed out. */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const tokenHash = hashToken(token);
    // A cheap read first, so that made-up tokens cannot make us run scrypt for them.
    if (!(await this.deps.tokens.isLive(tokenHash, 'reset_password'))) throw invalidEmailToken();
    // Hashed before the token is consumed, so the consume and the write share one short transaction;
    // the consume re-checks, as the token may have been spent meanwhile.
    const passwordHash = await hashPassword(password, this.deps.scrypt ?? DEFAULT_SCRYPT);
    const userId = await this.deps.tokens.resetPassword(tokenHash, passwordHash, (tx, id) =>
      appendDomainEvent(
        tx,
        'user.password_changed',
        { userId: id, via: 'reset', changedAt: new Date().toISOString() },
        { aggregate: `user:${id}` },
      ),
    );
    if (!userId) throw invalidEmailToken();
    await this.deps.sessions.revokeAllForUser(userId, 'password_reset');
  }

  private async sendResetIfAccount(email: string): Promise<void> {
    const user = await this.deps.users.findByEmail(email);
    if (!user) return;
    const { resetCooldownSeconds } = this.policy;
    if (await this.deps.tokens.hasRecentLiveToken(user.id, 'reset_password', resetCooldownSeconds)) return;
    const token = await this.issue(user.id, 'reset_password', this.policy.resetTtlSeconds);
    // Deleted since the lookup: answer as for an unknown address.
    if (!token) return;
    const link = tokenLink(this.deps.publicUrl, '/reset-password', token);
    await this.send(
      user.email,
      passwordResetEmail({ username: user.username, link, validHours: hoursOf(this.policy.resetTtlSeconds) }),
    );
  }

  /** The new token, or undefined when the user no longer exists. */
  private async issue(
    userId: string,
    purpose: EmailTokenPurpose,
    ttlSeconds: number,
  ): Promise<string | undefined> {
    const token = newToken();
    return (await this.deps.tokens.issue(userId, purpose, hashToken(token), ttlSeconds)) ? token : undefined;
  }

  // The payload holds the link, so with Redis it rests there until BullMQ drops the finished job:
  // Redis must be kept as private as the database.
  private async send(to: string, content: EmailContent): Promise<void> {
    await this.deps.jobs.enqueue('email.send', { to, ...content });
  }
}

const hoursOf = (seconds: number) => Math.max(1, Math.round(seconds / 3600));
