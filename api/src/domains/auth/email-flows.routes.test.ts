import { createHash, randomBytes } from 'node:crypto';
import { EmailAcceptedSchema } from '@streamhub/contracts/account-recovery';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { createJobHandlers } from '../../jobs/handlers.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { createSmtpMailer } from '../../mail/smtp-mailer.ts';
import { login, registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import {
  type ReceivedMail,
  startTestSmtpServer,
  type TestSmtpServer,
  tokenFromMail,
} from '../../testing/smtp-test-server.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { userAccountsOn } from '../users/accounts.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { type AbusePolicy, DEFAULT_ABUSE_POLICY } from './abuse-guard.ts';
import { EmailTokensRepository } from './email-tokens.repository.ts';

const PUBLIC_URL = 'https://streamhub.test';
// Every test here comes from 127.0.0.1: only the per-account reset limit keeps its real value.
const LOOSE = { max: 1_000, windowMs: 3_600_000 };
const ABUSE_POLICY: AbusePolicy = {
  ...DEFAULT_ABUSE_POLICY,
  perIp: { login: LOOSE, register: LOOSE, password_reset: LOOSE, verify_email: LOOSE },
  perAccount: { ...DEFAULT_ABUSE_POLICY.perAccount, login: LOOSE, register: LOOSE, verify_email: LOOSE },
};
const NEW_PASSWORD = 'a brand new passphrase';

describe.each(testDatabases())('email flows on %s', (driver) => {
  let backends: TestBackends;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    smtp = await startTestSmtpServer({ auth: { user: 'streamhub', pass: 'smtp secret' } });
    // The real `email.send` job, run by the in-process queue, delivering over real SMTP.
    mailer = createSmtpMailer({ url: smtp.url, from: 'StreamHub <no-reply@streamhub.test>' });
    await backends.jobs.start(createJobHandlers({ mailer }));
    app = createApp(backends.deps({ PUBLIC_URL }, {}, { abusePolicy: ABUSE_POLICY })).app;
  });
  afterAll(async () => {
    await backends.close();
    await mailer.close();
    await smtp.close();
  });

  const post = (path: string, body?: unknown, authorization?: string) =>
    app.request(`/api/v1/auth${path}`, {
      method: 'POST',
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const expectProblem = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(ProblemSchema.parse(await response.json()).code).toBe(code);
  };

  const mailsTo = (address: string) => smtp.messages.filter((m) => m.envelope.to.includes(address));

  /** Waits for the `n`-th email (1-based) to an address. */
  const nthMail = async (address: string, n: number): Promise<ReceivedMail> => {
    await smtp.waitForMail(() => mailsTo(address).length >= n);
    const mail = mailsTo(address)[n - 1];
    if (!mail) throw new Error('unreachable');
    return mail;
  };

  const isVerified = async (userId: string) =>
    (await new UsersRepository(backends.database.db).findById(userId))?.emailVerifiedAt != null;

  const signUp = (): Promise<SignedInUser> => registerAndLogin(app, backends);

  describe('email verification', () => {
    it('emails a link on registration that verifies the address once', async () => {
      const user = await signUp();
      const mail = await nthMail(user.account.email, 1);
      expect(mail.subject).toBe('Confirm your email address for StreamHub');
      expect(mail.text).toContain(`${PUBLIC_URL}/verify-email?token=`);
      expect(mail.html).toContain(`href="${PUBLIC_URL}/verify-email?token=`);
      expect(user.account.emailVerified).toBe(false);

      const token = tokenFromMail(mail, '/verify-email');
      expect((await post('/verify-email/confirm', { token })).status).toBe(204);
      expect(await isVerified(user.account.id)).toBe(true);

      await expectProblem(await post('/verify-email/confirm', { token }), 400, 'invalid_email_token');
    });

    it('runs the whole account life cycle over HTTP: register, verify, login, refresh, logout', async () => {
      const email = `flow-${randomBytes(4).toString('hex')}@example.test`;
      const password = 'a whole flow passphrase';
      const registered = await post('/register', {
        email,
        username: `flow_${randomBytes(3).toString('hex')}`,
        password,
      });
      expect(registered.status).toBe(201);

      const token = tokenFromMail(await nthMail(email, 1), '/verify-email');
      expect((await post('/verify-email/confirm', { token })).status).toBe(204);

      const tokens = await login(app, email, password);
      const me = await app.request('/api/v1/me', {
        headers: { Authorization: `Bearer ${tokens.accessToken}` },
      });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ email, emailVerified: true });

      const refreshed = await post('/refresh', { refreshToken: tokens.refreshToken });
      expect(refreshed.status).toBe(200);
      const next = (await refreshed.json()) as { accessToken: string; refreshToken: string };
      expect((await post('/logout', undefined, `Bearer ${next.accessToken}`)).status).toBe(204);
      await expectProblem(await post('/refresh', { refreshToken: next.refreshToken }), 401, 'invalid_token');
      await expectProblem(
        await app.request('/api/v1/me', { headers: { Authorization: `Bearer ${next.accessToken}` } }),
        401,
        'invalid_token',
      );
    });

    it('sends a fresh link on request, after which the earlier link no longer works', async () => {
      const user = await signUp();
      const first = tokenFromMail(await nthMail(user.account.email, 1), '/verify-email');

      const response = await post('/verify-email/request', undefined, user.authorization);
      expect(response.status).toBe(202);
      expect(EmailAcceptedSchema.parse(await response.json()).message).toBeTruthy();
      const second = tokenFromMail(await nthMail(user.account.email, 2), '/verify-email');
      expect(second).not.toBe(first);

      await expectProblem(await post('/verify-email/confirm', { token: first }), 400, 'invalid_email_token');
      expect(await isVerified(user.account.id)).toBe(false);
      expect((await post('/verify-email/confirm', { token: second })).status).toBe(204);
      expect(await isVerified(user.account.id)).toBe(true);

      await expectProblem(
        await post('/verify-email/request', undefined, user.authorization),
        409,
        'conflict',
      );
    });

    it('requires a signed-in caller to request a link', async () => {
      await expectProblem(await post('/verify-email/request'), 401, 'invalid_token');
      await expectProblem(
        await post('/verify-email/request', undefined, 'Bearer a.b.c'),
        401,
        'invalid_token',
      );
    });

    it('refuses unknown tokens with 400 and a missing or empty token with 422', async () => {
      await expectProblem(await post('/verify-email/confirm', { token: 'nope' }), 400, 'invalid_email_token');
      await expectProblem(await post('/verify-email/confirm', {}), 422, 'validation_failed');
      await expectProblem(await post('/verify-email/confirm', { token: '' }), 422, 'validation_failed');
    });

    it('does not accept a verification token for a password reset', async () => {
      const user = await signUp();
      const token = tokenFromMail(await nthMail(user.account.email, 1), '/verify-email');
      await expectProblem(
        await post('/password-reset/confirm', { token, password: NEW_PASSWORD }),
        400,
        'invalid_email_token',
      );
      // Not consumed by the failed attempt: it still verifies.
      expect((await post('/verify-email/confirm', { token })).status).toBe(204);
      await login(app, user.account.email, user.password);
    });
  });

  describe('password reset', () => {
    it('answers a known and an unknown address identically, after the same floor', async () => {
      const user = await signUp();
      const known = await timed(() =>
        post('/password-reset/request', { email: user.account.email.toUpperCase() }),
      );
      const unknown = await timed(() =>
        post('/password-reset/request', { email: `nobody-${randomHex()}@example.test` }),
      );

      for (const { response } of [known, unknown]) expect(response.status).toBe(202);
      expect(await unknown.response.text()).toBe(await known.response.text());
      expect(unknown.response.headers.get('content-type')).toBe(known.response.headers.get('content-type'));
      // Both wait for the service's floor (250 ms), which dwarfs what the known address costs.
      expect(known.ms).toBeGreaterThanOrEqual(245);
      expect(unknown.ms).toBeGreaterThanOrEqual(245);

      const mail = await nthMail(user.account.email, 2);
      expect(mail.subject).toBe('Reset your StreamHub password');
      expect(mail.text).toContain(`${PUBLIC_URL}/reset-password?token=`);
    });

    it('sets the new password, ends every session and works only once', async () => {
      const user = await signUp();
      await post('/password-reset/request', { email: user.account.email });
      const token = tokenFromMail(await nthMail(user.account.email, 2), '/reset-password');

      expect((await post('/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(204);

      await expectProblem(
        await post('/login', { email: user.account.email, password: user.password }),
        401,
        'invalid_credentials',
      );
      await login(app, user.account.email, NEW_PASSWORD);
      await expectProblem(await post('/refresh', { refreshToken: user.refreshToken }), 401, 'invalid_token');
      const session = await app.request('/api/v1/auth/session', {
        headers: { Authorization: user.authorization },
      });
      expect(session.status).toBe(401);
      // Following the link proved the mailbox.
      expect(await isVerified(user.account.id)).toBe(true);

      await expectProblem(
        await post('/password-reset/confirm', { token, password: 'yet another passphrase' }),
        400,
        'invalid_email_token',
      );
      await login(app, user.account.email, NEW_PASSWORD);
    });

    it('lets an account without a password (OAuth only) set one', async () => {
      const name = `oauth_${randomHex()}`;
      const account = await new UsersRepository(backends.database.db).create({
        email: `${name}@example.test`,
        username: name,
        emailVerifiedAt: new Date(),
      });
      await expectProblem(
        await post('/login', { email: account.email, password: NEW_PASSWORD }),
        401,
        'invalid_credentials',
      );

      expect((await post('/password-reset/request', { email: account.email })).status).toBe(202);
      const token = tokenFromMail(await nthMail(account.email, 1), '/reset-password');
      expect((await post('/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(204);
      await login(app, account.email, NEW_PASSWORD);
    });

    it('refuses an expired token', async () => {
      const user = await signUp();
      // Issued as the service does (SHA-256 of the emailed token), but already expired.
      const token = randomBytes(32).toString('base64url');
      const tokenHash = createHash('sha256').update(token).digest('base64url');
      await new EmailTokensRepository(backends.database.db, userAccountsOn).issue(
        user.account.id,
        'reset_password',
        tokenHash,
        -1,
      );

      await expectProblem(
        await post('/password-reset/confirm', { token, password: NEW_PASSWORD }),
        400,
        'invalid_email_token',
      );
      await login(app, user.account.email, user.password);
    });

    it('does not send another link while a recent one is live', async () => {
      const user = await signUp();
      await post('/password-reset/request', { email: user.account.email });
      const token = tokenFromMail(await nthMail(user.account.email, 2), '/reset-password');
      expect((await post('/password-reset/request', { email: user.account.email })).status).toBe(202);
      // A second issue would have replaced the first token; it still works, so none was issued.
      expect((await post('/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(204);
      expect(mailsTo(user.account.email)).toHaveLength(2);
    });

    it('checks the password policy before spending the token', async () => {
      const user = await signUp();
      await post('/password-reset/request', { email: user.account.email });
      const token = tokenFromMail(await nthMail(user.account.email, 2), '/reset-password');

      const weak = await post('/password-reset/confirm', { token, password: 'short' });
      expect(weak.status).toBe(422);
      expect(ProblemSchema.parse(await weak.json()).errors?.map((e) => e.path)).toEqual(['body.password']);
      expect((await post('/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(204);
    });

    it('limits reset requests per address, known or not, with 429', async () => {
      const { max } = DEFAULT_ABUSE_POLICY.perAccount.password_reset;
      for (const email of [`nobody-${randomHex()}@example.test`, (await signUp()).account.email]) {
        for (let n = 0; n < max; n++)
          expect((await post('/password-reset/request', { email })).status).toBe(202);
        await expectProblem(
          await post('/password-reset/request', { email: email.toUpperCase() }),
          429,
          'rate_limited',
        );
      }
    });

    it('validates the request bodies', async () => {
      await expectProblem(
        await post('/password-reset/request', { email: 'not-an-email' }),
        422,
        'validation_failed',
      );
      await expectProblem(await post('/password-reset/request', {}), 422, 'validation_failed');
      await expectProblem(
        await post('/password-reset/confirm', { password: NEW_PASSWORD }),
        422,
        'validation_failed',
      );
      const malformed = await app.request('/api/v1/auth/password-reset/request', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"email": ',
      });
      await expectProblem(malformed, 400, 'malformed_json');
    });
  });
});

const randomHex = () => randomBytes(4).toString('hex');

async function timed(
  request: () => Response | Promise<Response>,
): Promise<{ response: Response; ms: number }> {
  const started = performance.now();
  const response = await request();
  return { response, ms: performance.now() - started };
}
