/**
 * The load generator process (started pinned to its own core by `load.ts`): a warm-up, then the measured
 * autocannon run, each reported as one JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { LoadEvent } from './load-sample.ts';
import { BENCH_ORIGIN } from './protocol.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    // The `auth` route's `Authorization` header value.
    authorization: { type: 'string' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
  },
  strict: true,
});
if (!values.url) throw new Error('--url is required');

const base: autocannon.Options = {
  url: values.url,
  connections: Number(values.connections),
  pipelining: 1,
  // The bench origin makes every server do its CORS work, as a browser client would.
  headers: {
    origin: BENCH_ORIGIN,
    ...(values.authorization ? { authorization: values.authorization } : {}),
  },
};

const emit = (event: LoadEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

const warmupSeconds = Number(values.warmup);
if (warmupSeconds > 0) await autocannon({ ...base, duration: warmupSeconds });

emit({ event: 'measuring' });
const cpuBefore = process.cpuUsage();
const result = await autocannon({ ...base, duration: Number(values.duration) });
const cpu = process.cpuUsage(cpuBefore);
emit({
  event: 'result',
  requestsPerSecond: result.requests.average,
  totalRequests: result.requests.total,
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  durationSeconds: result.duration,
  clientCpu: (cpu.user + cpu.system) / 1e6 / result.duration,
});
