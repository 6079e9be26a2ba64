import { ProblemSchema } from '@streamhub/contracts/problem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { type AbusePolicy, DEFAULT_ABUSE_POLICY } from './abuse-guard.ts';

// Volume limits on login are lifted here, so that polling for the end of a lock-out cannot trip them.
const policy: AbusePolicy = {
  ...DEFAULT_ABUSE_POLICY,
  perIp: {
    ...DEFAULT_ABUSE_POLICY.perIp,
    register: { max: 3, windowMs: 60_000 },
    login: { max: 10_000, windowMs: 60_000 },
  },
  perAccount: { ...DEFAULT_ABUSE_POLICY.perAccount, login: { max: 10_000, windowMs: 60_000 } },
  loginFailures: { max: 2, windowMs: 60_000 },
  baseLockMs: 300,
  maxLockMs: 5_000,
};

const postJson = (app: GatewayApp, path: string, body: unknown, ip = '203.0.113.7') =>
  app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
    body: JSON.stringify(body),
  });

describe('abuse limits', () => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends();
    app = createApp(backends.deps({ TRUST_PROXY: 'true' }, {}, { abusePolicy: policy })).app;
  });
  afterAll(() => backends.close());

  it('limits registrations per client address', async () => {
    const register = (n: number, ip?: string) =>
      postJson(
        app,
        '/api/v1/auth/register',
        { email: `r${n}@example.test`, username: `reg_${n}`, password: 'long enough pass' },
        ip,
      );
    for (let n = 0; n < 3; n++) expect((await register(n)).status).toBe(201);
    const limited = await register(3);
    expect(limited.status).toBe(429);
    expect(ProblemSchema.parse(await limited.json()).code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await register(4, '198.51.100.1')).status).toBe(201);
  });

  it('locks an account out after repeated failures, for longer each time, and lets it in after', async () => {
    const user = await registerAndLogin(app, backends);
    const attempt = (password: string) =>
      postJson(app, '/api/v1/auth/login', { email: user.account.email, password }, '192.0.2.50');
    expect((await attempt('wrong 1')).status).toBe(401);
    // The second failure (loginFailures.max) locks the account for baseLockMs.
    expect((await attempt('wrong 2')).status).toBe(401);
    const locked = await attempt(user.password);
    expect(locked.status).toBe(429);
    expect(ProblemSchema.parse(await locked.json()).code).toBe('rate_limited');

    await expect
      .poll(async () => (await attempt('wrong 4')).status, { timeout: 5_000, interval: 100 })
      .toBe(401);
    // The next lock is twice as long: still locked after the first lock's length.
    const lockedAgain = Date.now();
    expect((await attempt(user.password)).status).toBe(429);
    await expect
      .poll(async () => (await attempt(user.password)).status, { timeout: 5_000, interval: 50 })
      .toBe(200);
    expect(Date.now() - lockedAgain).toBeGreaterThanOrEqual(policy.baseLockMs);
  });

  it('as docs/auth.md says: the 5th failed login in an hour locks the account, the 6th attempt is refused', async () => {
    const guarded = createApp(backends.deps({ TRUST_PROXY: 'true' })).app;
    const user = await registerAndLogin(guarded, backends);
    const attempt = (password: string) =>
      postJson(guarded, '/api/v1/auth/login', { email: user.account.email, password }, '192.0.2.51');
    expect(DEFAULT_ABUSE_POLICY.loginFailures).toEqual({ max: 5, windowMs: 60 * 60_000 });
    for (let n = 1; n <= 5; n++) expect((await attempt(`wrong ${n}`)).status).toBe(401);
    // Locked for 30 s: even the right password is refused before it is checked.
    const locked = await attempt(user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  });

  it('lets in the right password after 4 failures', async () => {
    const guarded = createApp(backends.deps({ TRUST_PROXY: 'true' })).app;
    const user = await registerAndLogin(guarded, backends);
    const attempt = (password: string) =>
      postJson(guarded, '/api/v1/auth/login', { email: user.account.email, password }, '192.0.2.52');
    for (let n = 1; n <= 4; n++) expect((await attempt(`wrong ${n}`)).status).toBe(401);
    expect((await attempt(user.password)).status).toBe(200);
  });
});
