import { UserSessionListSchema } from '@streamhub/contracts/auth';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { login, registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function sessionsOf(app: GatewayApp, token: string) {
  const response = await app.request('/api/v1/auth/sessions', { headers: bearer(token) });
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return UserSessionListSchema.parse(await response.json()).items;
}

const whoAmIStatus = async (app: GatewayApp, token: string) =>
  (await app.request('/api/v1/auth/session', { headers: bearer(token) })).status;

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
}

describe.each(testDatabases())('the current user’s sessions on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps()).app;
  });
  afterAll(() => backends.close());

  it('lists only the live sessions of the caller, marking the current one', async () => {
    const user = await registerAndLogin(app, backends);
    const phone = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'StreamHub phone test' },
      body: JSON.stringify({ email: user.account.email, password: user.password }),
    });
    expect(phone.status).toBe(200);
    const ended = await login(app, user.account.email, user.password);
    await app.request('/api/v1/auth/logout', { method: 'POST', headers: bearer(ended.accessToken) });
    // Someone else's sessions never show.
    await registerAndLogin(app, backends);

    const items = await sessionsOf(app, user.accessToken);
    expect(items).toHaveLength(2);
    expect(items.filter((session) => session.current)).toHaveLength(1);
    expect(items.map((session) => session.userAgent)).toContain('StreamHub phone test');
    const current = items.find((session) => session.current);
    expect(current && Date.parse(current.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('revokes one session by id, and refuses an unknown or foreign id with 404', async () => {
    const user = await registerAndLogin(app, backends);
    const other = await login(app, user.account.email, user.password);
    const stranger = await registerAndLogin(app, backends);
    const otherId = (await sessionsOf(app, user.accessToken)).find((session) => !session.current)?.id;
    if (!otherId) throw new Error('the second session is not listed');

    // A stranger cannot end it, nor learn that it exists.
    await expectProblem(
      await app.request(`/api/v1/auth/sessions/${otherId}`, {
        method: 'DELETE',
        headers: bearer(stranger.accessToken),
      }),
      404,
      'not_found',
    );
    expect(await whoAmIStatus(app, other.accessToken)).toBe(200);

    const revoked = await app.request(`/api/v1/auth/sessions/${otherId}`, {
      method: 'DELETE',
      headers: bearer(user.accessToken),
    });
    expect(revoked.status).toBe(204);
    expect(await whoAmIStatus(app, other.accessToken)).toBe(401);
    expect(await whoAmIStatus(app, user.accessToken)).toBe(200);
    expect((await sessionsOf(app, user.accessToken)).map((session) => session.id)).not.toContain(otherId);

    // Already ended: not found, not a second revocation.
    await expectProblem(
      await app.request(`/api/v1/auth/sessions/${otherId}`, {
        method: 'DELETE',
        headers: bearer(user.accessToken),
      }),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request('/api/v1/auth/sessions/not-a-uuid', {
        method: 'DELETE',
        headers: bearer(user.accessToken),
      }),
      422,
      'validation_failed',
    );
  });

  it('signs out every other session and keeps this one', async () => {
    const user = await registerAndLogin(app, backends);
    const second = await login(app, user.account.email, user.password);
    const third = await login(app, user.account.email, user.password);
    const response = await app.request('/api/v1/auth/logout-others', {
      method: 'POST',
      headers: bearer(user.accessToken),
    });
    expect(response.status).toBe(204);
    expect(await whoAmIStatus(app, second.accessToken)).toBe(401);
    expect(await whoAmIStatus(app, third.accessToken)).toBe(401);
    expect(await whoAmIStatus(app, user.accessToken)).toBe(200);
    const items = await sessionsOf(app, user.accessToken);
    expect(items).toHaveLength(1);
    expect(items[0]?.current).toBe(true);
  });

  it('needs an access token', async () => {
    await expectProblem(await app.request('/api/v1/auth/sessions'), 401, 'invalid_token');
    await expectProblem(
      await app.request('/api/v1/auth/logout-others', { method: 'POST' }),
      401,
      'invalid_token',
    );
  });
});
