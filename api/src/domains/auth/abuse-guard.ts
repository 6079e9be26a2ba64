/**
 * Limits on the endpoints attackers hammer (login, register, password reset, verification), per client
 * address and per account, with a lock-out that doubles after repeated login failures. Counts live in
 * the shared counter store, so the limits hold across gateway replicas when Redis is configured.
 */
import { rateLimited } from '@streamhub/errors/app-error';
import type { CounterStore } from '@streamhub/infra/counters/port';

export type GuardedAction = 'login' | 'register' | 'password_reset' | 'verify_email';

interface Window {
  max: number;
  windowMs: number;
}

export interface AbusePolicy {
  perIp: Record<GuardedAction, Window>;
  perAccount: Record<GuardedAction, Window>;
  /** The `max`-th failed login of one account within `windowMs` locks it (docs/auth.md: "after 5"). */
  loginFailures: Window;
  /** First lock-out; each further failure doubles it, up to `maxLockMs`. */
  baseLockMs: number;
  maxLockMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_ABUSE_POLICY: AbusePolicy = {
  perIp: {
    login: { max: 30, windowMs: 15 * MINUTE },
    register: { max: 10, windowMs: HOUR },
    password_reset: { max: 10, windowMs: HOUR },
    verify_email: { max: 10, windowMs: HOUR },
  },
  perAccount: {
    login: { max: 20, windowMs: 15 * MINUTE },
    register: { max: 5, windowMs: HOUR },
    password_reset: { max: 3, windowMs: HOUR },
    verify_email: { max: 5, windowMs: HOUR },
  },
  loginFailures: { max: 5, windowMs: HOUR },
  baseLockMs: 30_000,
  maxLockMs: 15 * MINUTE,
};

const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));
// Accounts are named by what the client sends (usually an email); case must not open a second bucket.
const accountKey = (account: string) => account.trim().toLowerCase();

export class AbuseGuard {
  constructor(
    private readonly counters: CounterStore,
    private readonly policy: AbusePolicy = DEFAULT_ABUSE_POLICY,
  ) {}

  /** Counts one attempt of `action`; throws `rate_limited` when the client or the account is over its limit. */
  async attempt(action: GuardedAction, who: { ip: string; account?: string }): Promise<void> {
    const checks: [string, Window][] = [[`abuse:${action}:ip:${who.ip}`, this.policy.perIp[action]]];
    if (who.account)
      checks.push([`abuse:${action}:account:${accountKey(who.account)}`, this.policy.perAccount[action]]);
    for (const [key, window] of checks) {
      const { count, resetAt } = await this.counters.hit(key, window.windowMs);
      if (count > window.max) throw rateLimited(secondsUntil(resetAt));
    }
  }

  /** Throws `rate_limited` while the account is locked out after failed logins. */
  async assertNotLockedOut(account: string): Promise<void> {
    const lock = await this.counters.peek(`abuse:login-lock:${accountKey(account)}`);
    if (lock) throw rateLimited(secondsUntil(lock.resetAt));
  }

  /**
   * Records a failed login. The `max`-th failure locks the account for `baseLockMs`, so the next attempt
   * is refused; each failure after a lock ends locks it for twice as long as the one before.
   */
  async recordLoginFailure(account: string): Promise<void> {
    const key = accountKey(account);
    const { count } = await this.counters.hit(`abuse:login-fail:${key}`, this.policy.loginFailures.windowMs);
    const over = count - this.policy.loginFailures.max;
    if (over < 0) return;
    const lockMs = Math.min(this.policy.baseLockMs * 2 ** over, this.policy.maxLockMs);
    await this.counters.reset(`abuse:login-lock:${key}`);
    await this.counters.hit(`abuse:login-lock:${key}`, lockMs);
  }

  async recordLoginSuccess(account: string): Promise<void> {
    await this.counters.reset(`abuse:login-fail:${accountKey(account)}`);
  }
}
