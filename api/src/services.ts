/** Builds every domain service on the process's backends; the gateway reaches them through `c.var.deps`. */
import type { DomainEvents } from '@streamhub/contracts/events';
import type { Db } from '@streamhub/db/client';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { AuthService } from './domains/auth/auth.service.ts';
import type { ScryptParams } from './domains/auth/password.ts';
import { UsersRepository } from './domains/users/users.repository.ts';

export interface GatewayServices {
  auth: AuthService;
}

export interface ServiceBackends {
  db: Db;
  events: EventBus<DomainEvents>;
  /** Cheaper password hashing for tests. */
  scrypt?: ScryptParams;
}

export function createServices({ db, events, scrypt }: ServiceBackends): GatewayServices {
  const users = new UsersRepository(db);
  return { auth: new AuthService({ users, events, scrypt }) };
}
