/**
 * The realtime fan-out benchmark: one room of 2,000 or 5,000 WebSocket clients, chat messages posted at
 * a steady rate, on the StreamHub gateway (`/ws`, Node and Bun) and on a bare `ws` broadcast loop (the
 * ceiling) measured in the same run. See bench/README.md.
 *
 *   node --import tsx bench/realtime/run.ts [--scenarios 2000:50,5000:10/20] [--only …] [--json out.json]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@streamhub/infra/shared/free-port';
import { describeMachine, machineInfo } from '../gateway/machine.ts';
import { removeScratchOnExit } from './children.ts';
import { type GroupFigures, measureServer } from './measure.ts';
import { parseOptions } from './options.ts';
import {
  evaluateTargets,
  formatCostSplits,
  formatScenarios,
  formatTargets,
  splitCosts,
  TARGETS,
} from './report.ts';
import { BARE_BUN, benchServers, OPTIONAL_SERVERS, STREAMHUB_BUN } from './servers.ts';
import { type PreparedData, prepareGatewayData } from './setup.ts';

const options = parseOptions();
const machine = machineInfo(options.bunPath);
let specs = benchServers({ node: process.execPath, bun: options.bunPath });
if (options.cpuProfDir) {
  const profile = ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir];
  specs = specs.map((s) => (s.command === process.execPath ? { ...s, args: [...profile, ...s.args] } : s));
}
if (!machine.bun) specs = specs.filter((s) => s.id !== STREAMHUB_BUN && s.id !== BARE_BUN);
specs = specs.filter((s) =>
  options.only.length > 0 ? options.only.includes(s.id) : !OPTIONAL_SERVERS.includes(s.id),
);
if (specs.length === 0) throw new Error('no server selected');
const client = options.client === 'bun' && machine.bun ? 'bun' : 'node';
const settings = {
  ...options.settings,
  clientCommand: client === 'bun' ? options.bunPath : process.execPath,
  clientArgs:
    client === 'bun'
      ? ['bench/realtime/client-worker.ts']
      : ['--import', 'tsx', 'bench/realtime/client-worker.ts'],
};
const labels = Object.fromEntries(specs.map((s) => [s.id, s.label]));

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`machine: ${describeMachine(machine)}`);
log(
  `method: server on CPU ${settings.serverCpu}; ${settings.workers} client processes (${client}) on CPU ${settings.clientCpu}` +
    `${settings.nice ? ` (both at nice ${settings.nice})` : ''}; ` +
    `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured + drain (until 1 s without a message) per rate; ` +
    `each sender posts at most ${settings.perSenderRate} msg/s`,
);

const started = new Date();
const loadBefore = loadavg();
const scratch = await mkdtemp(join(tmpdir(), 'streamhub-realtime-bench-'));
removeScratchOnExit(scratch);

let prepared: PreparedData | undefined;
const maxRate = Math.max(...options.groups.flatMap((g) => g.rates));
const senderCount = Math.ceil(maxRate / settings.perSenderRate);
if (specs.some((s) => s.gateway)) {
  prepared = await prepareGatewayData({
    dir: scratch,
    senders: senderCount,
    nodePath: process.execPath,
    port: await freePort(),
    log,
  });
}
// The bare servers have no accounts; their senders only lend a username to the frame they mimic.
const senders =
  prepared?.senders ??
  Array.from({ length: senderCount }, (_, i) => ({
    userId: crypto.randomUUID(),
    username: `sender_${String(i).padStart(4, '0')}`,
    accessToken: '',
  }));

const groups: GroupFigures[] = [];
for (const spec of specs) {
  log(
    `${spec.label}: ${options.groups.map((g) => `${g.connections} clients at ${g.rates.join(', ')} msg/s`).join('; then ')}`,
  );
  groups.push(
    ...(await measureServer(spec, options.groups, {
      settings,
      scratch,
      template: prepared?.template,
      senders: spec.gateway ? senders : senders.map((s) => ({ ...s, userId: crypto.randomUUID() })),
      log,
    })),
  );
}
const loadAfter = loadavg();
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
const targets = evaluateTargets(groups);
const costs = splitCosts(groups);

const NOTES = [
  'deliveries/s: chat messages received by all clients during the measured window; "delivered": share of the deliveries owed for the messages sent in the window (messages × clients) that arrived before the drain ended.',
  'Latency: from the sender taking its timestamp (in the message) to a client reading the frame; clients in other processes on the same machine clock.',
  "KiB/conn: server RSS with every client of the room joined minus RSS before any connected (100 warm-up connections came and went first), divided by the clients in the room; both read after a full garbage collection. heap KiB/conn: the same for the runtime's JS heap + external memory (process.memoryUsage), which has no allocator slack.",
  'CPU columns: shares of one core over the measured window (server alone on its core; all client processes together on the other). softirq: kernel softirq time (loopback TCP receive processing, mostly this benchmark\'s own traffic, charged to no process); "other cores": the rest of the shared machine meanwhile.',
  `server µs/delivery: server CPU time per delivered message; the bare ws loop's figure is the ceiling's cost. Marks: server-bound / client-bound (≥ 90 % of a core), fell behind (< 99 % delivered); a run during which the rest of the machine used > max-other-cpu cores is NOISY. Targets: ≥ ${TARGETS.minDeliveryRatio * 100} % of bare ws deliveries/s, p99 < ${TARGETS.p99MaxMs} ms at ${TARGETS.p99AtClients.toLocaleString('en')} clients, < ${TARGETS.maxKiBPerConnection} KiB per connection.`,
];
const output = [
  '',
  `Realtime fan-out benchmark, ${started.toISOString()}: ${describeMachine(machine)}; clients on ${client}` +
    `${settings.nice ? `; server and clients at nice ${settings.nice}` : ''}; load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
  '',
  formatScenarios(groups, labels, settings.maxOtherCpu),
  '',
  formatTargets(targets, labels),
  '',
  'Where the server CPU goes (least-squares fit of CPU = a × messages/s + b × deliveries/s over the runs):',
  formatCostSplits(costs, labels),
  '',
  ...NOTES.map((note) => `* ${note}`),
  '',
];
process.stdout.write(output.join('\n'));

if (options.json) {
  await writeFile(
    options.json,
    `${JSON.stringify(
      {
        date: started.toISOString(),
        machine,
        loadAverage: { before: loadBefore, after: loadAfter },
        client,
        settings,
        groups,
        targets,
        costs,
        notes: NOTES,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${options.json}`);
}
log(`done in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
process.exit(0);
