import { randomBytes } from 'node:crypto';
import type { Database } from '@streamhub/db/client';
import { emailTokens } from '@streamhub/db/schema/auth';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userAccountsOn } from '../users/accounts.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { EmailTokensRepository } from './email-tokens.repository.ts';

const hash = () => randomBytes(32).toString('base64url');
const HOUR = 3600;

describe.each(testDatabases())('EmailTokensRepository on %s', (driver) => {
  let database: Database;
  let tokens: EmailTokensRepository;
  let users: UsersRepository;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    tokens = new EmailTokensRepository(database.db, userAccountsOn);
    users = new UsersRepository(database.db);
  });
  afterAll(() => database.close());

  const newUser = async () => {
    const name = `u${randomBytes(5).toString('hex')}`;
    return users.create({ email: `${name}@example.test`, username: name, passwordHash: 'x' });
  };

  it('consumes a token once and only for its purpose', async () => {
    const user = await newUser();
    const tokenHash = hash();
    expect(await tokens.issue(user.id, 'verify_email', tokenHash, HOUR)).toBe(true);
    expect(await tokens.isLive(tokenHash, 'verify_email')).toBe(true);
    expect(await tokens.isLive(tokenHash, 'reset_password')).toBe(false);

    expect(await tokens.consume(tokenHash, 'reset_password')).toBeUndefined();
    expect(await tokens.consume(hash(), 'verify_email')).toBeUndefined();
    expect(await tokens.consume(tokenHash, 'verify_email')).toBe(user.id);
    expect(await tokens.consume(tokenHash, 'verify_email')).toBeUndefined();
    expect(await tokens.isLive(tokenHash, 'verify_email')).toBe(false);
  });

  it('refuses an expired token', async () => {
    const user = await newUser();
    const tokenHash = hash();
    await tokens.issue(user.id, 'reset_password', tokenHash, -1);
    expect(await tokens.isLive(tokenHash, 'reset_password')).toBe(false);
    expect(await tokens.consume(tokenHash, 'reset_password')).toBeUndefined();
  });

  it('lets exactly one of many concurrent consumers win', async () => {
    const user = await newUser();
    const tokenHash = hash();
    await tokens.issue(user.id, 'reset_password', tokenHash, HOUR);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => tokens.consume(tokenHash, 'reset_password')),
    );
    expect(results.filter((r) => r === user.id)).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(7);
  });

  it('keeps only the newest token of a user and purpose', async () => {
    const user = await newUser();
    const [first, second, verify] = [hash(), hash(), hash()];
    await tokens.issue(user.id, 'reset_password', first, HOUR);
    await tokens.issue(user.id, 'verify_email', verify, HOUR);
    await tokens.issue(user.id, 'reset_password', second, HOUR);

    const rows = await database.db.select().from(emailTokens).where(eq(emailTokens.userId, user.id));
    expect(rows.map((r) => r.tokenHash).sort()).toEqual([second, verify].sort());
    expect(await tokens.consume(first, 'reset_password')).toBeUndefined();
    expect(await tokens.consume(second, 'reset_password')).toBe(user.id);
    // Another purpose is untouched.
    expect(await tokens.consume(verify, 'verify_email')).toBe(user.id);
  });

  it('never leaves two live tokens when issues race', async () => {
    const user = await newUser();
    const hashes = Array.from({ length: 6 }, hash);
    await Promise.all(hashes.map((h) => tokens.issue(user.id, 'verify_email', h, HOUR)));
    const rows = await database.db.select().from(emailTokens).where(eq(emailTokens.userId, user.id));
    expect(rows).toHaveLength(1);
  });

  it('does not issue for an unknown user', async () => {
    expect(await tokens.issue(crypto.randomUUID(), 'verify_email', hash(), HOUR)).toBe(false);
  });

  it('tells whether a live token was issued recently', async () => {
    const user = await newUser();
    const tokenHash = hash();
    expect(await tokens.hasRecentLiveToken(user.id, 'reset_password', 60)).toBe(false);
    await tokens.issue(user.id, 'reset_password', tokenHash, HOUR);
    expect(await tokens.hasRecentLiveToken(user.id, 'reset_password', 60)).toBe(true);
    expect(await tokens.hasRecentLiveToken(user.id, 'verify_email', 60)).toBe(false);
    await tokens.consume(tokenHash, 'reset_password');
    expect(await tokens.hasRecentLiveToken(user.id, 'reset_password', 60)).toBe(false);
  });

  it('marks the address verified with a verify token, keeping the first verification time', async () => {
    const user = await newUser();
    const first = hash();
    await tokens.issue(user.id, 'verify_email', first, HOUR);
    expect(await tokens.verifyEmail(first)).toBe(user.id);
    const verifiedAt = (await users.findById(user.id))?.emailVerifiedAt;
    expect(verifiedAt).toBeInstanceOf(Date);

    const again = hash();
    await tokens.issue(user.id, 'verify_email', again, HOUR);
    expect(await tokens.verifyEmail(again)).toBe(user.id);
    expect((await users.findById(user.id))?.emailVerifiedAt).toEqual(verifiedAt);
    expect(await tokens.verifyEmail(again)).toBeUndefined();
  });

  it('sets the password hash (and proves the address) with a reset token, and with nothing else', async () => {
    const user = await newUser();
    const verify = hash();
    await tokens.issue(user.id, 'verify_email', verify, HOUR);
    expect(await tokens.resetPassword(verify, 'new-hash')).toBeUndefined();
    expect((await users.findById(user.id))?.passwordHash).toBe('x');

    const reset = hash();
    await tokens.issue(user.id, 'reset_password', reset, HOUR);
    expect(await tokens.resetPassword(reset, 'new-hash')).toBe(user.id);
    const updated = await users.findById(user.id);
    expect(updated?.passwordHash).toBe('new-hash');
    expect(updated?.emailVerifiedAt).toBeInstanceOf(Date);
  });
});
