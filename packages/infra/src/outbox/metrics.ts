/** Prometheus metrics of the outbox: backlog and lag read from the database at scrape time, relay counters. */
import { Gauge, type Registry } from 'prom-client';
import type { OutboxRelay } from './relay.ts';

/**
 * Registers the outbox's metrics on `registry` (the gateway's `/metrics` one). Backlog and lag come from
 * the database, so every process reports the same figures whichever relay is active; the counters and
 * `streamhub_outbox_relay_active` are this process's.
 */
export function registerOutboxMetrics(registry: Registry, relay: OutboxRelay): void {
  const stats = () => relay.stats();
  new Gauge({
    name: 'streamhub_outbox_backlog',
    help: 'Stored events the relay has not published yet',
    registers: [registry],
    async collect() {
      this.set((await stats()).backlog);
    },
  });
  new Gauge({
    name: 'streamhub_outbox_lag_seconds',
    help: 'Age of the oldest stored event the relay has not published yet (0 when none waits)',
    registers: [registry],
    async collect() {
      this.set((await stats()).lagSeconds);
    },
  });
  new Gauge({
    name: 'streamhub_outbox_relay_active',
    help: '1 when this process runs the active outbox relay, 0 when it stands by',
    registers: [registry],
    collect() {
      this.set(relay.active ? 1 : 0);
    },
  });
  // Counters that only this process's relay moves, exposed as totals (prom-client counters cannot pull).
  for (const [key, help] of [
    ['published', 'Events this process relayed and marked published'],
    ['enqueued', 'Consumer jobs this process enqueued'],
    ['pruned', 'Outbox, handled and position rows this process pruned'],
    ['errors', 'Relay passes that failed in this process'],
  ] as const) {
    new Gauge({
      name: `streamhub_outbox_${key}_total`,
      help,
      registers: [registry],
      collect() {
        this.set(relay.counters[key]);
      },
    });
  }
}
