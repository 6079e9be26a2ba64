/**
 * The load process for paired comparisons: after a warm-up of both, it loads server A and server B in
 * short alternating slices, A B B A per block, and reports each slice as one JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BENCH_ORIGIN } from './protocol.ts';
import type { SliceEvent } from './slice-sample.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    connections: { type: 'string', default: '50' },
    // The `auth` route's `Authorization` header value.
    authorization: { type: 'string' },
    blocks: { type: 'string', default: '3' },
    slice: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
  },
  strict: true,
});
if (!values.a || !values.b) throw new Error('--a and --b are required');
const urls = { a: values.a, b: values.b };

const run = (target: 'a' | 'b', duration: number) =>
  autocannon({
    url: urls[target],
    connections: Number(values.connections),
    pipelining: 1,
    headers: {
      origin: BENCH_ORIGIN,
      ...(values.authorization ? { authorization: values.authorization } : {}),
    },
    duration,
  });
const emit = (event: SliceEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

const warmup = Number(values.warmup);
if (warmup > 0) {
  await run('a', warmup);
  await run('b', warmup);
}
emit({ event: 'measuring' });
const cpuBefore = process.cpuUsage();
const started = performance.now();
// A B B A: a drift that is linear over the block weighs on A and B alike.
const pattern = ['a', 'b', 'b', 'a'] as const;
for (let block = 0; block < Number(values.blocks); block++) {
  for (const target of pattern) {
    const result = await run(target, Number(values.slice));
    emit({
      event: 'slice',
      block,
      target,
      requestsPerSecond: result.requests.total / result.duration,
      requests: result.requests.total,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    });
  }
}
const cpu = process.cpuUsage(cpuBefore);
emit({ event: 'done', clientCpu: (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000) });
