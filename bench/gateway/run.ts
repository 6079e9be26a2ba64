/**
 * The gateway benchmark: the StreamHub gateway on Node and on Bun against Fastify, Express, bare
 * node:http and bare Bun.serve, on a plain JSON route and an authenticated one that reads a row from
 * PostgreSQL, full middleware stack. See bench/README.md.
 *
 *   node --import tsx bench/gateway/run.ts [--rounds 3] [--duration 10] [--routes plain,auth] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { describeMachine, machineInfo } from './machine.ts';
import { measureAll } from './measure.ts';
import { parseBenchOptions, settingsRecord } from './options.ts';
import { BENCH_ORIGIN, BENCH_ROUTES } from './protocol.ts';
import { type BenchReport, evaluateTargets, formatTable, formatTargets, summarise } from './report.ts';
import { BARE_BUN, benchServers, STREAMHUB_BUN } from './servers.ts';

const NOTES = [
  'auth = GET /api/v1/auth/session with a bearer token: ES256 verification (jose) and one SELECT (session join user) on PostgreSQL; the gateway goes through its own guard and drizzle, the others through servers/peer-auth.ts (jose + postgres.js, pool of 10).',
  'Fastify writes one pino line per request (its completion line, from an onResponse hook); Express uses stock middleware: pino-http logs req/res with headers, Express computes an ETag per response.',
  'bare node:http and bare Bun.serve set only Content-Type, Content-Length and X-Request-Id; "client-bound" marks a figure the load generator capped (a lower bound).',
  '"database CPU" = PostgreSQL processes (all of them: on a shared server also others\' queries); it is not counted as "other".',
  'CPU columns are shares of one core over the measured run; "other CPU" is cores used by the rest of the (shared) machine meanwhile.',
  'CPU µs/req = server CPU per request; capacity = requests per CPU-second (its inverse). On a shared machine the server core is not saturated and req/s measures the neighbours too: compare capacity there.',
  '"rounds" = rounds the medians use / rounds run: a round in which other processes used too much CPU even after its retries counts only when no clean round exists; failures are summed over all rounds.',
];

const options = parseBenchOptions({ rounds: 3, duration: 10, warmup: 3 });
const machine = machineInfo(options.bunPath);
let specs = benchServers({ node: options.nodePath, bun: options.bunPath });
if (!machine.bun) specs = specs.filter((s) => s.id !== STREAMHUB_BUN && s.id !== BARE_BUN);
if (options.only.length > 0) specs = specs.filter((s) => options.only.includes(s.id));
if (specs.length === 0) throw new Error('no server selected');

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`machine: ${describeMachine(machine)}`);
log(
  `method: GET ${options.routes.map((r) => BENCH_ROUTES[r]).join(' and ')} with Origin ${BENCH_ORIGIN}; server on CPU ${options.serverCpu}, autocannon on CPU ${options.clientCpu}; ` +
    `-c ${options.connections}, pipelining 1, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured; ` +
    `${options.rounds} rounds, order rotated each round; median; a run is repeated (up to ${options.retries}×) ` +
    `when other processes used > ${options.maxOtherCpu} cores meanwhile`,
);
if (!machine.bun) log(`bun not found at "${options.bunPath}": the Bun servers are skipped`);

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
