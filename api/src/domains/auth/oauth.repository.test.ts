import { randomBytes } from 'node:crypto';
import type { Database } from '@streamhub/db/client';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedEvents } from '../../testing/test-outbox.ts';
import { userAccountsOn } from '../users/accounts.ts';
import { OAuthLinkExistsError, OAuthRepository } from './oauth.repository.ts';

describe.each(testDatabases())('OAuthRepository on %s', (driver) => {
  let database: Database;
  let oauth: OAuthRepository;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    oauth = new OAuthRepository(database.db, userAccountsOn);
  });
  afterAll(() => database.close());

  const fresh = () => {
    const name = `o${randomBytes(5).toString('hex')}`;
    return { email: `${name}@example.test`, username: name, emailVerifiedAt: new Date() };
  };
  const link = (providerUserId: string) => ({ provider: 'github' as const, providerUserId, email: null });

  it('creates an account with its link and its user.registered, and finds it by the link', async () => {
    const id = randomBytes(6).toString('hex');
    const user = await oauth.createLinkedUser(fresh(), link(id));
    expect(await oauth.findLinkedUser('github', id)).toEqual(user);
    expect(await oauth.findLinkedUser('google', id)).toBeUndefined();
    expect((await storedEvents(database.db, 'user.registered')).map((event) => event.userId)).toContain(
      user.id,
    );
  });

  it('rolls back the account and its user.registered when the identity is linked already', async () => {
    const id = randomBytes(6).toString('hex');
    await oauth.createLinkedUser(fresh(), link(id));
    const loser = fresh();
    await expect(oauth.createLinkedUser(loser, link(id))).rejects.toBeInstanceOf(OAuthLinkExistsError);
    expect(await userAccountsOn(database.db).findByEmail(loser.email)).toBeUndefined();
    expect((await storedEvents(database.db, 'user.registered')).map((event) => event.username)).not.toContain(
      loser.username,
    );
  });
});
