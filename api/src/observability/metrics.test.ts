import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './metrics.ts';

/** The same observations through prom-client's own per-call API, as the gateway recorded them before. */
function reference(observations: readonly [string, string, number, number][]) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'streamhub_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'streamhub_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [method, route, status, seconds] of observations) {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  }
  return registry;
}

const sorted = (text: string) => text.split('\n').sort().join('\n');

describe('gateway request metrics', () => {
  it('expose exactly what prom-client would for the same requests, without counting any twice', async () => {
    const first: [string, string, number, number][] = [
      ['GET', '/api/v1/system/info', 200, 0.0004],
      ['GET', '/api/v1/system/info', 200, 0.001],
      ['GET', '/api/v1/system/info', 429, 0.03],
      ['POST', '/api/v1/auth/login', 401, 0.2],
      ['GET', 'unmatched', 404, 12],
    ];
    const second: [string, string, number, number][] = [
      ['GET', '/api/v1/system/info', 200, 0.007],
      ['GET', '/healthz', 200, 2.5],
    ];
    const metrics = createGatewayMetrics({ processMetrics: false });
    for (const [method, route, status, seconds] of first)
      metrics.observeRequest(method, route, status, seconds);
    expect(sorted(await metrics.registry.metrics())).toBe(sorted(await reference(first).metrics()));
    // A second scrape with nothing new changes nothing; new requests add to the totals.
    expect(sorted(await metrics.registry.metrics())).toBe(sorted(await reference(first).metrics()));
    for (const [method, route, status, seconds] of second)
      metrics.observeRequest(method, route, status, seconds);
    const all = [...first, ...second];
    expect(sorted(await metrics.registry.metrics())).toBe(sorted(await reference(all).metrics()));
    expect(await metrics.registry.getMetricsAsJSON()).toEqual(await reference(all).getMetricsAsJSON());
  });
});
