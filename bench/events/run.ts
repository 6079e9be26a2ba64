/**
 * The durable-events benchmark: events per second from commit to consumer start, p50 and p99 latency,
 * lost and doubled events, and CPU per event of the outbox against the same jobs enqueued straight
 * into the queue. See docs/benchmarks.md ("Durable events").
 *
 *   node --import tsx bench/events/run.ts [--rate 1000] [--seconds 10] [--rounds 2] [--concurrency 8]
 *     [--setups direct-postgres,outbox-postgres,direct-embedded,outbox-embedded] [--relay notify|poll]
 *     [--json out.json]
 *
 * PostgreSQL: TEST_DATABASE_URL's server (a scratch database per run); Redis: REDIS_URL or
 * redis://127.0.0.1:6379 under a random prefix, removed afterwards.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { cleanUpOnSignals } from '../shared/cleanup.ts';
import { type RunResult, runSetup, SETUPS, type SetupId } from './measure.ts';
import { compare, evaluateTargets, formatRuns, formatTargets } from './report.ts';

cleanUpOnSignals();
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
    setups: { type: 'string', default: SETUPS.join(',') },
    relay: { type: 'string', default: 'notify' },
    json: { type: 'string' },
  },
});
const setups = (values.setups ?? '').split(',').map((s) => s.trim()) as SetupId[];
for (const setup of setups) if (!SETUPS.includes(setup)) throw new Error(`unknown setup "${setup}"`);
const options = {
  rate: Number(values.rate),
  seconds: Number(values.seconds),
  concurrency: Number(values.concurrency),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  relay: values.relay === 'poll' ? ('poll' as const) : ('notify' as const),
  log: (line: string) => process.stderr.write(`${line}\n`),
};
const rounds = Number(values.rounds);
const machine = `${cpus().length} vCPU (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
const loadBefore = loadavg().map((v) => v.toFixed(2));
options.log(`machine: ${machine}; load average ${loadBefore.join(', ')}`);

const results: RunResult[] = [];
for (let round = 0; round < rounds; round += 1) {
  // Reverse the order every other round so that neither side always runs on a warmer machine.
  const order = round % 2 ? [...setups].reverse() : setups;
  for (const setup of order) {
    options.log(`round ${round + 1}: ${setup} at ${options.rate}/s for ${options.seconds} s`);
    results.push(await runSetup(setup, options));
  }
}
const loadAfter = loadavg().map((v) => v.toFixed(2));
const comparisons = compare(results);
const targets = evaluateTargets(results, comparisons);

console.log(`\n${new Date().toISOString()} — ${machine}`);
console.log(`load average before ${loadBefore.join(', ')}, after ${loadAfter.join(', ')}`);
console.log(
  `${options.rate} events/s for ${options.seconds} s, consumer concurrency ${options.concurrency}, relay ${options.relay}, ${rounds} round(s)\n`,
);
console.log(formatRuns(results));
console.log('');
console.log(formatTargets(targets, comparisons));
if (values.json) {
  await writeFile(
    values.json,
    `${JSON.stringify({ machine, loadBefore, loadAfter, options, results, comparisons, targets }, null, 2)}\n`,
  );
}
