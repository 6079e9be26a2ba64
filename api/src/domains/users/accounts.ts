/**
 * The users domain's side of auth's AccountStore port: accounts on the users repository, each new one
 * stored with its `user.registered`. The users module hands it to auth (its `ports`).
 */
import type { Db } from '@streamhub/db/client';
import type { AccountStore } from '../auth/account-store.ts';
import { appendUserRegistered } from './user-events.ts';
import { UsersRepository } from './users.repository.ts';

export function userAccountsOn(db: Db): AccountStore {
  const users = new UsersRepository(db);
  return {
    create: (input) => users.create(input, appendUserRegistered),
    findById: (id) => users.findById(id),
    findByEmail: (email) => users.findByEmail(email),
    findByUsername: (username) => users.findByUsername(username),
    setPasswordHash: (id, passwordHash, then) => users.setPasswordHash(id, passwordHash, then),
    confirmEmail: (id, change) => users.confirmEmail(id, change),
  };
}
