/** The users domain's durable events that more than one way of making an account stores. */
import type { UserRow } from '@streamhub/db/schema/users';
import { appendDomainEvent, type OutboxExecutor } from '../../events/durable.ts';

/** `user.registered`, stored in the transaction that inserts the account (sign-up, OAuth, admin, CLI). */
export function appendUserRegistered(tx: OutboxExecutor, user: UserRow): Promise<string> {
  return appendDomainEvent(
    tx,
    'user.registered',
    { userId: user.id, username: user.username, email: user.email },
    { aggregate: `user:${user.id}` },
  );
}
