/**
 * The gateway benchmark: the StreamHub gateway on Node and on Bun against Express and a bare node:http
 * server, same route, full middleware stack. See bench/README.md.
 *
 *   node --import tsx bench/gateway/run.ts [--rounds 3] [--duration 10] [--connections 50] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { describeMachine, machineInfo } from './machine.ts';
import { measureAll } from './measure.ts';
import { parseBenchOptions, settingsRecord } from './options.ts';
import { BENCH_ORIGIN, BENCH_PATH } from './protocol.ts';
import { type BenchReport, evaluateTargets, formatTable, formatTargets, summarise } from './report.ts';
import { benchServers, STREAMHUB_BUN } from './servers.ts';

const NOTES = [
  'Fastify (the Node peer FIELD-NOTES recommends) is skipped: fastify, @fastify/helmet, @fastify/cors and @fastify/rate-limit are not installed in bench/.',
  'Express uses stock middleware: pino-http logs req/res with headers, Express computes an ETag per response.',
  'bare node:http sets only Content-Type, Content-Length and X-Request-Id; "client-bound" marks a figure the load generator capped (a lower bound).',
  'CPU columns are shares of one core over the measured run; "other CPU" is cores used by the rest of the (shared) machine meanwhile.',
  '"rounds" = rounds the medians use / rounds run: a round in which other processes used too much CPU even after its retries counts only when no clean round exists; failures are summed over all rounds.',
];

const options = parseBenchOptions({ rounds: 3, duration: 10, warmup: 3 });
const machine = machineInfo(options.bunPath);
let specs = benchServers({ node: options.nodePath, bun: options.bunPath });
if (!machine.bun) specs = specs.filter((s) => s.id !== STREAMHUB_BUN);
if (options.only.length > 0) specs = specs.filter((s) => options.only.includes(s.id));
if (specs.length === 0) throw new Error('no server selected');

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`machine: ${describeMachine(machine)}`);
log(
  `method: GET ${BENCH_PATH} with Origin ${BENCH_ORIGIN}; server on CPU ${options.serverCpu}, autocannon on CPU ${options.clientCpu}; ` +
    `-c ${options.connections}, pipelining 1, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured; ` +
    `${options.rounds} rounds, order rotated each round; median; a run is repeated (up to ${options.retries}×) ` +
    `when other processes used > ${options.maxOtherCpu} cores meanwhile`,
);
if (!machine.bun) log(`bun not found at "${options.bunPath}": the Bun gateway is skipped`);

const started = new Date();
const { rounds, logLines } = await measureAll(specs, options, log);
const servers = summarise(specs, rounds, logLines);
const targets = evaluateTargets(servers, rounds);

const output = [
  '',
  `Gateway benchmark, ${started.toISOString()}: ${describeMachine(machine)}`,
  '',
  formatTable(servers),
  '',
  formatTargets(targets),
  '',
  ...NOTES.map((note) => `* ${note}`),
  '',
];
process.stdout.write(output.join('\n'));

if (options.json) {
  const report: BenchReport & { machine: typeof machine } = {
    date: started.toISOString(),
    machine,
    settings: settingsRecord(options),
    servers,
    targets,
    notes: NOTES,
    rounds,
  };
  await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${options.json}`);
}
