/** Prometheus metrics of one gateway: request counts and latency histograms by route. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  /** Counts a finished request and its latency; prom-client sees them at the next scrape. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One method and route's requests since the last scrape. prom-client's `observe` and `inc` validate
 * the labels and hash them on every call, even on a bound child (docs/benchmarks.md, Gateway): the
 * gateway adds to plain numbers per request instead, and hands the totals to prom-client when scraped.
 */
interface PendingSeries {
  labels: { method: string; route: string };
  /** Observations per bucket of DURATION_BUCKETS (above the last one: only in `count`). */
  buckets: number[];
  sum: number;
  count: number;
  /** Requests by status code. */
  statuses: Map<number, number>;
}

/** The part of prom-client's histogram state that a flush adds to (prom-client 15's `hashMap` entries). */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** A registry per gateway instance, so several gateways in one test process never share counts. */
export function createGatewayMetrics(options: { processMetrics: boolean }): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const pending = new Map<string, PendingSeries>();
  // The same series by route, then method: no key string is built per request.
  const byRoute = new Map<string, Map<string, PendingSeries>>();

  const requests = new Counter({
    name: 'streamhub_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
    collect() {
      for (const series of pending.values()) {
        for (const [status, n] of series.statuses) {
          if (n === 0) continue;
          this.inc({ ...series.labels, status: String(status) }, n);
          series.statuses.set(status, 0);
        }
      }
    },
  });
  const duration = new Histogram({
    name: 'streamhub_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
    collect() {
      const state = this as unknown as { hashMap: Record<string, HistogramEntry> };
      for (const series of pending.values()) {
        if (series.count === 0) continue;
        const { method, route } = series.labels;
        const find = () =>
          Object.values(state.hashMap).find((e) => e.labels.method === method && e.labels.route === route);
        let entry = find();
        if (!entry) {
          this.zero(series.labels);
          entry = find();
        }
        if (!entry) continue;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          const bound = String(DURATION_BUCKETS[i]);
          entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + (series.buckets[i] ?? 0);
        }
        entry.sum += series.sum;
        entry.count += series.count;
        series.buckets.fill(0);
        series.sum = 0;
        series.count = 0;
      }
    },
  });

  return {
    registry,
    requests,
    duration,
    observeRequest(method, route, status, seconds) {
      let methods = byRoute.get(route);
      if (!methods) {
        methods = new Map();
        byRoute.set(route, methods);
      }
      let series = methods.get(method);
      if (!series) {
        const key = `${method} ${route}`;
        series = pending.get(key) ?? {
          labels: { method, route },
          buckets: DURATION_BUCKETS.map(() => 0),
          sum: 0,
          count: 0,
          statuses: new Map(),
        };
        pending.set(key, series);
        methods.set(method, series);
      }
      let bucket = 0;
      while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] ?? 0)) bucket++;
      if (bucket < DURATION_BUCKETS.length) series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
      series.sum += seconds;
      series.count += 1;
      series.statuses.set(status, (series.statuses.get(status) ?? 0) + 1);
    },
  };
}

// Unmatched paths share one label so that scanners cannot blow up the series count.
const UNMATCHED = 'unmatched';

/**
 * Returns `record(method, route, status, seconds)`, which counts a finished request and observes its
 * latency by method and route pattern (`route` as matched: '' or a catch-all when none). The series
 * stay bounded: routes are patterns, never paths.
 */
export function requestRecorder(
  metrics: GatewayMetrics,
): (method: string, route: string, status: number, seconds: number) => void {
  return (method, pattern, status, seconds) => {
    const route = pattern === '*' || pattern === '/*' || pattern === '' ? UNMATCHED : pattern;
    metrics.observeRequest(method, route, status, seconds);
  };
}
