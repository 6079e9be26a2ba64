/** Prometheus metrics of one gateway: request counts and latency histograms by route. */
import type { Context } from 'hono';
import { routePath } from 'hono/route';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
}

/** A registry per gateway instance, so several gateways in one test process never share counts. */
export function createGatewayMetrics(options: { processMetrics: boolean }): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'streamhub_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'streamhub_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

// Unmatched paths share one label so that scanners cannot blow up the series count.
const UNMATCHED = 'unmatched';

interface RouteSeries {
  duration: { observe(seconds: number): void };
  /** By status code; created on a status's first request. */
  requests: Map<number, { inc(): void }>;
}

/**
 * Counts a finished request and observes its latency. prom-client's children are bound once per
 * method and route (and status): passing label objects on every call made prom-client hash them per
 * request (docs/benchmarks.md, Gateway). The series stay bounded: routes are patterns, never paths.
 */
export function requestRecorder(metrics: GatewayMetrics): (c: Context, seconds: number) => void {
  const series = new Map<string, RouteSeries>();
  return (c, seconds) => {
    const pattern = routePath(c);
    const route = pattern === '*' || pattern === '/*' || pattern === '' ? UNMATCHED : pattern;
    const method = c.req.method;
    const key = `${method} ${route}`;
    let bound = series.get(key);
    if (!bound) {
      bound = { duration: metrics.duration.labels(method, route), requests: new Map() };
      series.set(key, bound);
    }
    const status = c.res.status;
    let counter = bound.requests.get(status);
    if (!counter) {
      counter = metrics.requests.labels(method, route, String(status));
      bound.requests.set(status, counter);
    }
    counter.inc();
    bound.duration.observe(seconds);
  };
}
