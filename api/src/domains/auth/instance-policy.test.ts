/**
 * Becoming a streamer on a running instance: the first account is the admin, the admin grants roles
 * over the API, CHANNEL_CREATION lets verified accounts open channels, and a role or status written
 * straight to the database (as `streamhub user …` does) holds from the next request on.
 */
import { ProblemSchema } from '@streamhub/contracts/problem';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { UsersRepository } from '../users/users.repository.ts';

const json = (method: string, body: unknown, authorization?: string): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
  body: JSON.stringify(body),
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  const problem = ProblemSchema.parse(await response.json());
  expect(problem.code).toBe(code);
  return problem;
}

let slugs = 0;
const openChannel = (app: GatewayApp, user: SignedInUser) =>
  app.request(
    '/api/v1/channels',
    json(
      'POST',
      { slug: `policy-${++slugs}-${Math.random().toString(36).slice(2, 7)}`, title: 'Mine' },
      user.authorization,
    ),
  );

describe.each(testDatabases())('instance policy on %s', (driver) => {
  let backends: TestBackends;
  let streamersOnly: GatewayApp;
  let verifiedMayStream: GatewayApp;
  let repository: UsersRepository;
  const verify = (user: SignedInUser) =>
    backends.database.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, user.account.id));

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    streamersOnly = createApp(backends.deps({ RATE_LIMIT_MAX: '10000' })).app;
    verifiedMayStream = createApp(
      backends.deps({ RATE_LIMIT_MAX: '10000', CHANNEL_CREATION: 'verified' }),
    ).app;
    repository = new UsersRepository(backends.database.db);
  });
  afterAll(() => backends.close());

  it('the first account on a fresh instance is admin and makes a streamer over the API, no restart', async () => {
    // A fresh instance: no account yet (the test backends' stand-in operator goes).
    await backends.database.db.delete(users);
    const app = streamersOnly;
    const admin = await registerAndLogin(app, backends);
    expect(admin.account.role).toBe('admin');
    // An admin may open a channel at once.
    expect((await openChannel(app, admin)).status).toBe(201);

    const caster = await registerAndLogin(app, backends);
    expect(caster.account.role).toBe('viewer');
    await expectProblem(await openChannel(app, caster), 403, 'forbidden');
    const granted = await app.request(
      `/api/v1/users/${caster.account.id}/role`,
      json('PUT', { role: 'streamer' }, admin.authorization),
    );
    expect(granted.status).toBe(200);
    // The same access token (it still says "viewer") opens the channel on the next request.
    expect(decodeJwt(caster.accessToken).role).toBe('viewer');
    expect((await openChannel(app, caster)).status).toBe(201);
  });

  it('CHANNEL_CREATION=streamers (the default) keeps verified viewers out', async () => {
    const viewer = await registerAndLogin(streamersOnly, backends);
    await verify(viewer);
    const refused = await expectProblem(await openChannel(streamersOnly, viewer), 403, 'forbidden');
    expect(refused.detail).toMatch(/streamer role/);
  });

  it('CHANNEL_CREATION=verified lets any account with a verified email open a channel', async () => {
    const viewer = await registerAndLogin(verifiedMayStream, backends);
    const unverified = await expectProblem(await openChannel(verifiedMayStream, viewer), 403, 'forbidden');
    expect(unverified.detail).toMatch(/Verify your email/);
    // Verified while signed in: the same token works on the next request.
    await verify(viewer);
    expect((await openChannel(verifiedMayStream, viewer)).status).toBe(201);
  });

  it('a role or status written to the database by another process holds on the next request', async () => {
    const app = streamersOnly;
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const listUsers = () => app.request('/api/v1/users', { headers: { Authorization: admin.authorization } });
    expect((await listUsers()).status).toBe(200);
    // `streamhub user role … viewer`: the token still says admin, the server does not believe it.
    await repository.setRole(admin.account.id, 'viewer');
    expect(decodeJwt(admin.accessToken).role).toBe('admin');
    await expectProblem(await listUsers(), 403, 'forbidden');
    await expectProblem(await openChannel(app, admin), 403, 'forbidden');

    const streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    await repository.setStatus(streamer.account.id, 'suspended');
    await expectProblem(await openChannel(app, streamer), 403, 'account_suspended');
    await expectProblem(
      await app.request('/api/v1/auth/session', { headers: { Authorization: streamer.authorization } }),
      403,
      'account_suspended',
    );
  });
});
