/** Account rules of the identity domain: who may register, with what, and what follows. */
import type { Account, RegisterRequest } from '@streamhub/contracts/auth';
import type { DomainEvents } from '@streamhub/contracts/events';
import { UniqueViolationError } from '@streamhub/db/errors';
import type { UserRow } from '@streamhub/db/schema/auth';
import { conflict } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { UsersRepository } from '../users/users.repository.ts';
import { hashPassword, type ScryptParams } from './password.ts';

export interface AuthServiceDeps {
  users: UsersRepository;
  events: EventBus<DomainEvents>;
  /** Lower in tests only; production uses the module default. */
  scrypt?: ScryptParams;
}

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  async register(input: RegisterRequest): Promise<Account> {
    const passwordHash = await hashPassword(input.password, this.deps.scrypt);
    let user: UserRow;
    try {
      user = await this.deps.users.create({
        email: input.email,
        username: input.username,
        displayName: input.displayName ?? null,
        passwordHash,
      });
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        throw conflict(`That ${error.constraint} is already registered.`);
      }
      throw error;
    }
    await this.deps.events.publish('user.registered', {
      userId: user.id,
      username: user.username,
      email: user.email,
    });
    return toAccount(user);
  }
}

export function toAccount(user: UserRow): Account {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
