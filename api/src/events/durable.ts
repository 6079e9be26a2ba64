/**
 * How a domain stores a durable event with its change (docs/events.md): the service hands the repository
 * an `InTransaction` step, and the repository runs it in the transaction of the change, after it.
 */
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import { type OutboxExecutor, outboxWriter } from '@streamhub/infra/outbox/writer';

export type { OutboxExecutor };

/** `appendEvent` bound to `DOMAIN_EVENTS`: `appendDomainEvent(tx, 'user.deleted', payload, { aggregate })`. */
export const appendDomainEvent = outboxWriter(DOMAIN_EVENTS);

/**
 * Work a repository runs inside the transaction of its change, once the change is made, given what the
 * change returned: a service's durable event. If it throws, the change rolls back with it.
 */
export type InTransaction<T = void> = (tx: OutboxExecutor, result: T) => Promise<unknown>;
