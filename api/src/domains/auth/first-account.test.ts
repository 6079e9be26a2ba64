import { AccountSchema } from '@streamhub/contracts/auth';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { userAccountsOn } from '../users/accounts.ts';
import { AccountsRepository } from './first-account.ts';
import { OAuthRepository } from './oauth.repository.ts';

describe.each(testDatabases())('the first account of an instance on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  let n = 0;
  const fresh = () => ({ email: `first${++n}@example.test`, username: `first_${n}` });
  const register = async () => {
    const response = await app.request('/api/v1/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...fresh(), password: 'a long test password' }),
    });
    expect(response.status).toBe(201);
    return AccountSchema.parse(await response.json());
  };
  const admins = async () =>
    (await backends.database.db.select({ id: users.id }).from(users).where(eq(users.role, 'admin'))).length;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps({ RATE_LIMIT_MAX: '10000' })).app;
  });
  afterAll(() => backends.close());
  // A fresh instance: the test backends' stand-in operator account goes too.
  beforeEach(async () => {
    await backends.database.db.delete(users);
  });

  it('becomes admin when it registers; every later account is a viewer', async () => {
    expect((await register()).role).toBe('admin');
    expect((await register()).role).toBe('viewer');
    expect(await admins()).toBe(1);
  });

  it('is decided once under concurrency: of simultaneous first sign-ups exactly one is admin', async () => {
    const accounts = new AccountsRepository(backends.database.db, userAccountsOn);
    // Each insert runs in its own transaction (PostgreSQL: its own pooled connection), all at once.
    const created = await Promise.all(Array.from({ length: 8 }, () => accounts.create(fresh())));
    expect(created.filter((user) => user.role === 'admin')).toHaveLength(1);
    expect(await admins()).toBe(1);
  });

  it('is decided once for simultaneous registrations over the API', async () => {
    const registered = await Promise.all(Array.from({ length: 6 }, () => register()));
    expect(registered.filter((account) => account.role === 'admin')).toHaveLength(1);
  });

  it('holds for an account created by a GitHub or Google login too', async () => {
    const oauth = new OAuthRepository(backends.database.db, userAccountsOn);
    const link = (id: string) => ({ provider: 'github' as const, providerUserId: id, email: null });
    const first = await oauth.createLinkedUser({ ...fresh(), emailVerifiedAt: new Date() }, link('1'));
    const second = await oauth.createLinkedUser({ ...fresh(), emailVerifiedAt: new Date() }, link('2'));
    expect([first.role, second.role]).toEqual(['admin', 'viewer']);
  });

  it('is not given again once the instance has accounts, even when none is an admin', async () => {
    const operator = await register();
    await backends.database.db.update(users).set({ role: 'viewer' }).where(eq(users.id, operator.id));
    expect((await register()).role).toBe('viewer');
    expect(await admins()).toBe(0);
  });
});
