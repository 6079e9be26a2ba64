/**
 * deploy/grafana/streamhub-dashboard.json reads only series a gateway exposes on `/metrics`: every
 * `streamhub_*` name in its queries is registered by the gateway's request metrics, the outbox's or the
 * instance's (instance-metrics.ts), and every panel has a query.
 */
import { readFileSync } from 'node:fs';
import { registerOutboxMetrics } from '@streamhub/infra/outbox/metrics';
import type { OutboxRelay } from '@streamhub/infra/outbox/relay';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../observability/metrics.ts';
import type { AnalyticsService } from './analytics.service.ts';
import { registerInstanceMetrics } from './instance-metrics.ts';

const DASHBOARD = new URL('../../../../deploy/grafana/streamhub-dashboard.json', import.meta.url);

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe('the Grafana dashboard', () => {
  it('queries only metrics the gateway registers', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const { registry } = createGatewayMetrics({ processMetrics: false });
    // Registration only: nothing is collected, so the sources are never called.
    registerOutboxMetrics(registry, {} as OutboxRelay);
    registerInstanceMetrics(registry, {} as AnalyticsService);
    const registered = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
    // A histogram is queried through its series.
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

    expect(dashboard.panels.length).toBeGreaterThan(0);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        for (const [name] of expr.matchAll(/streamhub_\w+/g)) used.add(name);
      }
    }
    const unknown = [...used].filter((name) => !registered.has(name) && !registered.has(base(name)));
    expect(unknown).toEqual([]);
    // Each instance gauge is on the dashboard.
    for (const name of [
      'streamhub_live_channels',
      'streamhub_live_viewers',
      'streamhub_node_ingest_bitrate_bits',
      'streamhub_transcode_queue_depth',
      'streamhub_transcode_queue_oldest_age_seconds',
      'streamhub_analytics_beacons_accepted_total',
    ]) {
      expect(used, name).toContain(name);
    }
  });
});
