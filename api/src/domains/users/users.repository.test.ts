import type { Database } from '@streamhub/db/client';
import { InvalidCursorError, UniqueViolationError } from '@streamhub/db/errors';
import { users } from '@streamhub/db/schema/users';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersRepository } from './users.repository.ts';

describe.each(testDatabases())('UsersRepository on %s', (driver) => {
  let database: Database;
  let repo: UsersRepository;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    repo = new UsersRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates a user with defaults and the email lower-cased', async () => {
    const user = await repo.create({ email: 'Ada.Lovelace@Example.COM', username: 'AdaL' });

    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.email).toBe('ada.lovelace@example.com');
    expect(user.username).toBe('AdaL');
    expect(user.role).toBe('viewer');
    expect(user.status).toBe('active');
    expect(user.displayName).toBeNull();
    expect(user.passwordHash).toBeNull();
    expect(user.emailVerifiedAt).toBeNull();
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.updatedAt).toBeInstanceOf(Date);
  });

  it('finds users by id, and by email and username ignoring case', async () => {
    const created = await repo.create({
      email: 'grace@example.com',
      username: 'GraceH',
      displayName: 'Grace Hopper',
      passwordHash: 'scrypt$abc',
    });

    expect(await repo.findById(created.id)).toEqual(created);
    expect(await repo.findByEmail('GRACE@Example.com')).toEqual(created);
    expect(await repo.findByUsername('graceh')).toEqual(created);
    expect(await repo.findByUsername('GRACEH')).toEqual(created);
  });

  it('returns undefined for unknown or malformed ids, emails and usernames', async () => {
    expect(await repo.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await repo.findById('not-a-uuid')).toBeUndefined();
    expect(await repo.findByEmail('nobody@example.com')).toBeUndefined();
    expect(await repo.findByUsername('nobody')).toBeUndefined();
  });

  it('rejects an email that differs only by case with a typed unique violation', async () => {
    await repo.create({ email: 'dup@example.com', username: 'dup-email-1' });

    const error = await repo.create({ email: 'DUP@example.com', username: 'dup-email-2' }).catch((e) => e);

    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error.constraint).toBe('email');
    expect(error.pgConstraint).toBe('users_email_unique');
  });

  it('rejects a username that differs only by case with a typed unique violation', async () => {
    await repo.create({ email: 'linus@example.com', username: 'Linus' });

    const error = await repo.create({ email: 'other-linus@example.com', username: 'LINUS' }).catch((e) => e);

    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error.constraint).toBe('username');
  });

  it('sets role and status, bumping updated_at, and reports unknown ids', async () => {
    const user = await repo.create({ email: 'roles@example.com', username: 'roles' });

    const promoted = await repo.setRole(user.id, 'moderator');
    expect(promoted?.role).toBe('moderator');
    expect(promoted?.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());

    const suspended = await repo.setStatus(user.id, 'suspended');
    expect(suspended).toMatchObject({ role: 'moderator', status: 'suspended' });
    expect(await repo.findById(user.id)).toMatchObject({ role: 'moderator', status: 'suspended' });

    expect(await repo.setRole('00000000-0000-4000-8000-000000000000', 'admin')).toBeUndefined();
    expect(await repo.setStatus('not-a-uuid', 'active')).toBeUndefined();
  });

  it('updates profile fields, leaving out what is not given, and clears with null', async () => {
    const user = await repo.create({ email: 'profile@example.com', username: 'profiled' });
    expect(user).toMatchObject({ bio: null, links: [], avatarId: null });

    const links = [{ label: 'Site', url: 'https://example.com' }];
    const updated = await repo.updateProfile(user.id, { displayName: 'Pro', bio: 'Hello', links });
    expect(updated).toMatchObject({ displayName: 'Pro', bio: 'Hello', links });

    const partly = await repo.updateProfile(user.id, { bio: null });
    expect(partly).toMatchObject({ displayName: 'Pro', bio: null, links });
    expect(await repo.findById(user.id)).toEqual(partly);

    expect(await repo.updateProfile(user.id, {})).toEqual(partly);
    expect(await repo.updateProfile('00000000-0000-4000-8000-000000000000', { bio: 'x' })).toBeUndefined();
    expect(await repo.updateProfile('nope', { bio: 'x' })).toBeUndefined();
  });

  it('replaces the avatar id and returns the one it replaced', async () => {
    const user = await repo.create({ email: 'avatar@example.com', username: 'avatared' });

    const first = await repo.replaceAvatarId(user.id, 'first');
    expect(first).toMatchObject({ previousAvatarId: null, user: { id: user.id, avatarId: 'first' } });
    const second = await repo.replaceAvatarId(user.id, 'second');
    expect(second?.previousAvatarId).toBe('first');
    const cleared = await repo.replaceAvatarId(user.id, null);
    expect(cleared).toMatchObject({ previousAvatarId: 'second', user: { avatarId: null } });

    expect(await repo.replaceAvatarId('00000000-0000-4000-8000-000000000000', 'x')).toBeUndefined();
  });

  it('hands each of many concurrent avatar replacements a distinct previous id', async () => {
    const user = await repo.create({ email: 'race@example.com', username: 'racer' });
    const ids = Array.from({ length: 8 }, (_, n) => `id${n}`);
    const results = await Promise.all(ids.map((id) => repo.replaceAvatarId(user.id, id)));
    const previous = results.map((r) => r?.previousAvatarId);
    const final = (await repo.findById(user.id))?.avatarId;
    // The replacements form one chain: null → … → final, each id replaced exactly once.
    expect(new Set(previous).size).toBe(ids.length);
    expect([...previous, final].sort()).toEqual([null, ...ids].sort());
  });

  it('deletes a user and returns the deleted row', async () => {
    const user = await repo.create({ email: 'gone@example.com', username: 'goner' });
    expect((await repo.delete(user.id))?.id).toBe(user.id);
    expect(await repo.findById(user.id)).toBeUndefined();
    expect(await repo.delete(user.id)).toBeUndefined();
    expect(await repo.delete('nope')).toBeUndefined();
  });

  describe('list', () => {
    // A tenant of its own inside this database: every row matches `pager-`, no other test's row does.
    const prefix = 'pager-';
    let expectedIds: string[];

    beforeAll(async () => {
      const one = await repo.create({ email: `${prefix}a@example.com`, username: `${prefix}a` });
      const two = await repo.create({ email: `${prefix}b@example.com`, username: `${prefix}b` });
      // Five rows sharing one created_at, down to the microsecond: only the id can order them.
      const tied = await database.db
        .insert(users)
        .values(
          [1, 2, 3, 4, 5].map((n) => ({
            email: `${prefix}tie${n}@example.com`,
            username: `${prefix}tie${n}`,
          })),
        )
        .returning();
      expectedIds = [one, two, ...tied.sort((x, y) => (x.id < y.id ? -1 : 1))].map((u) => u.id);
    });

    it('walks three pages in (created_at, id) order with no duplicates or gaps', async () => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.list({ limit: 3, query: prefix, ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((u) => u.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && pages.length < 10);

      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(expectedIds);
    });

    it('has no next cursor when the last page is exactly full', async () => {
      const first = await repo.list({ limit: 4, query: prefix });
      expect(first.nextCursor).not.toBeNull();
      const last = await repo.list({ limit: 3, query: prefix, cursor: first.nextCursor ?? '' });
      expect(last.items).toHaveLength(3);
      expect(last.nextCursor).toBeNull();
    });

    it('lists everyone without a query, oldest first', async () => {
      const page = await repo.list({ limit: 1000 });
      const times = page.items.map((u) => u.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(page.items.map((u) => u.id)).toEqual(expect.arrayContaining(expectedIds));
      expect(page.nextCursor).toBeNull();
    });

    it('searches username and email ignoring case, with % and _ taken literally', async () => {
      await repo.create({ email: 'search.me@Example.org', username: 'Finder_1' });
      await repo.create({ email: 'findernot@example.org', username: 'Finder21' });

      const byEmail = await repo.list({ limit: 10, query: 'SEARCH.ME' });
      expect(byEmail.items.map((u) => u.username)).toEqual(['Finder_1']);

      const byUsername = await repo.list({ limit: 10, query: 'finder' });
      expect(byUsername.items.map((u) => u.username)).toEqual(['Finder_1', 'Finder21']);

      const underscore = await repo.list({ limit: 10, query: 'finder_' });
      expect(underscore.items.map((u) => u.username)).toEqual(['Finder_1']);

      expect((await repo.list({ limit: 10, query: '%' })).items).toEqual([]);
    });

    it('rejects a cursor it did not produce', async () => {
      await expect(repo.list({ limit: 3, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
      const forged = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
      await expect(repo.list({ limit: 3, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('rejects a limit below one', async () => {
      await expect(repo.list({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });
  });
});
