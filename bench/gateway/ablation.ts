/**
 * Ablation of the StreamHub gateway on Node: the stack before issue 19 and with each change alone (plus
 * Express, Fastify and bare node:http as references), each compared with the full stack in paired A B B A slices
 * (`paired-load.ts`), so that what each change gives shows through the drift of a shared machine.
 *
 *   node --import tsx bench/gateway/ablation.ts [--rounds 2] [--blocks 3] [--duration 2] [--routes plain] [--json out.json]
 *     [--baseline-checkout <dir>]
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VARIANTS } from './ablation-variants.ts';
import { checkResponse, routeHeaders } from './check.ts';
import { assertRunning, type StartedServer, startFleet } from './fleet.ts';
import { describeMachine, machineInfo } from './machine.ts';
import { waitForQuiet } from './machine-load.ts';
import { pct, rotate } from './measure.ts';
import { parseBenchOptions, settingsRecord } from './options.ts';
import { type PairedResult, runPairedLoad } from './paired-load.ts';
import { median } from './report.ts';
import { BARE_NODE, benchServers, EXPRESS, FASTIFY, type ServerSpec } from './servers.ts';

const options = parseBenchOptions({ rounds: 2, duration: 2, warmup: 1, routes: 'plain' });
// One route per ablation: the variants are compared on it.
const route = options.routes[0] ?? 'plain';
const machine = machineInfo(options.bunPath);
const variantSpecs: ServerSpec[] = VARIANTS.map((variant) => ({
  id: variant.name,
  label: variant.name,
  command: options.nodePath,
  args: ['--import', 'tsx', 'bench/gateway/servers/streamhub-variant.ts', `--variant=${variant.name}`],
  logs: variant.name !== 'none',
  expect: { cors: variant.name !== 'none', requestId: variant.name !== 'none' },
}));
// References: how far the whole stack is from the baseline, the peer to beat and the ceiling, measured
// the same way (paired with "full", so the Fastify and bare ratios hold on a busy machine too).
const references = benchServers({ node: options.nodePath, bun: options.bunPath }).filter(
  (s) => s.id === EXPRESS || s.id === FASTIFY || s.id === BARE_NODE,
);
// The gateway of another checkout (`--baseline-checkout <dir>`): what the working tree's changes give,
// paired like every other comparison. Its imports resolve inside that checkout (its own node_modules).
const baseline: ServerSpec[] = options.baselineCheckout
  ? [
      {
        id: 'baseline',
        label: `full of ${options.baselineCheckout}`,
        command: options.nodePath,
        args: [
          '--import',
          'tsx',
          join(resolve(options.baselineCheckout), 'bench/gateway/servers/streamhub-variant.ts'),
          '--variant=full',
        ],
        logs: true,
        expect: { cors: true, requestId: true },
      },
    ]
  : [];
const specs = [...variantSpecs, ...references, ...baseline].filter(
  (s) => s.id === 'full' || options.only.length === 0 || options.only.includes(s.id),
);

interface Pass extends PairedResult {
  round: number;
  noisy: boolean;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`machine: ${describeMachine(machine)}`);
log(
  `ablation (Node): each of ${specs.length - 1} servers against "full" in ${options.rounds} passes of ` +
    `${options.blocks} A B B A blocks of ${options.durationSeconds} s slices, -c ${options.connections}`,
);
const started = new Date();
const fleet = await startFleet(
  specs,
  { cpu: options.serverCpu, nodePath: options.nodePath, databaseUrl: options.databaseUrl },
  log,
);
const passes = new Map<string, Pass[]>();
try {
  const full = fleet.servers.find((s) => s.spec.id === 'full');
  if (!full) throw new Error('the "full" variant did not start');
  const others = fleet.servers.filter((s) => s !== full);
  for (let round = 1; round <= options.rounds; round++) {
    for (const other of rotate(others, round - 1)) {
      const pass = await comparePair(full, other, round);
      passes.set(other.spec.id, [...(passes.get(other.spec.id) ?? []), pass]);
      log(
        `pass ${round}/${options.rounds} ${other.spec.id}: vs full ${pass.blockRatios.map((r) => r.toFixed(3)).join(' ')}, ` +
          `CPU µs/req vs full ${pass.blockCpuDeltas.map((d) => (d >= 0 ? '+' : '') + d.toFixed(1)).join(' ')}, ` +
          `servers ${pct(pass.serverCpu)}, client ${pct(pass.clientCpu)}, other ${pass.otherCpu.toFixed(2)} cores` +
          (pass.noisy ? ' (NOISY)' : ''),
      );
    }
  }
} finally {
  await fleet.close();
}

async function comparePair(full: StartedServer, other: StartedServer, round: number): Promise<Pass> {
  for (let attempt = 1; ; attempt++) {
    for (const s of [full, other]) {
      assertRunning(s);
      await checkResponse(s.spec, route, s.urls[route], fleet.auth);
    }
    await waitForQuiet({
      maxBusyCores: 0.2,
      maxWaitMs: options.quietWaitSeconds * 1000,
      onWait: (busy) => log(`  machine busy (${busy.toFixed(2)} cores), waiting for it to go quiet`),
    });
    const result = await runPairedLoad({
      a: { url: full.urls[route], pid: full.server.pid },
      b: { url: other.urls[route], pid: other.server.pid },
      authorization: routeHeaders(route, fleet.auth).authorization,
      idlePids: fleet.servers.filter((s) => s !== full && s !== other).map((s) => s.server.pid),
      cpu: options.clientCpu,
      nodePath: options.nodePath,
      connections: options.connections,
      blocks: options.blocks,
      sliceSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
    });
    for (const s of [full, other]) assertRunning(s);
    const noisy = result.otherCpu > options.maxOtherCpu;
    if (!noisy || attempt > options.retries) return { ...result, round, noisy };
    log(`  ${other.spec.id}: other processes used ${result.otherCpu.toFixed(2)} cores meanwhile, repeating`);
  }
}

// Noisy passes count only for a server that has no clean one.
const usable = (list: readonly Pass[]) => (list.some((p) => !p.noisy) ? list.filter((p) => !p.noisy) : list);
const allUsable = [...passes.values()].flatMap(usable);
const fullSlices = allUsable.flatMap((p) => p.slices.filter((s) => s.target === 'a'));
const fullRps = median(fullSlices.map((s) => s.requestsPerSecond));
const fullCpu = median(fullSlices.map((s) => s.cpuMicrosPerRequest));

const rows = [...passes.entries()].map(([id, list]) => {
  const use = usable(list);
  const ratios = use.flatMap((p) => p.blockRatios);
  const ratio = median(ratios);
  const deltas = use.flatMap((p) => p.blockCpuDeltas);
  const slicesOf = (target: 'a' | 'b') => list.flatMap((p) => p.slices.filter((s) => s.target === target));
  return {
    id,
    vsFull: ratio,
    vsFullMin: Math.min(...ratios),
    vsFullMax: Math.max(...ratios),
    blocks: ratios.length,
    requestsPerSecond: median(
      use.flatMap((p) => p.slices.filter((s) => s.target === 'b').map((s) => s.requestsPerSecond)),
    ),
    latencyP99Ms: median(
      use.flatMap((p) => p.slices.filter((s) => s.target === 'b').map((s) => s.latencyP99Ms)),
    ),
    cpuMicros: median(
      use.flatMap((p) => p.slices.filter((s) => s.target === 'b').map((s) => s.cpuMicrosPerRequest)),
    ),
    // Server CPU per request of the variant minus full's, paired within each block.
    cpuDelta: median(deltas),
    cpuDeltaMin: Math.min(...deltas),
    cpuDeltaMax: Math.max(...deltas),
    serverCpu: median(use.map((p) => p.serverCpu)),
    otherCpu: median(use.map((p) => p.otherCpu)),
    noisyPasses: list.filter((p) => p.noisy).length,
    non2xx: [...slicesOf('a'), ...slicesOf('b')].reduce((t, s) => t + s.non2xx, 0),
    errors: [...slicesOf('a'), ...slicesOf('b')].reduce((t, s) => t + s.errors, 0),
  };
});

const micros = (d: number) => `${d >= 0 ? '+' : ''}${d.toFixed(1)}`;
const signed = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
const header = [
  'server',
  'vs full',
  'range (blocks)',
  'req/s',
  'CPU µs/req',
  'Δ CPU µs/req vs full',
  'range (blocks)',
  'servers CPU',
  'other CPU',
  'non-2xx',
  'errors',
];
const cells = [
  ['full', '–', '–', `${(fullRps / 1000).toFixed(1)}k`, fullCpu.toFixed(1), '–', '–', '–', '–', '–', '–'],
  ...rows.map((r) => [
    r.id,
    signed(r.vsFull),
    `${signed(r.vsFullMin)} … ${signed(r.vsFullMax)} (${r.blocks})`,
    `${(r.requestsPerSecond / 1000).toFixed(1)}k`,
    r.cpuMicros.toFixed(1),
    micros(r.cpuDelta),
    `${micros(r.cpuDeltaMin)} … ${micros(r.cpuDeltaMax)}`,
    pct(r.serverCpu),
    `${r.otherCpu.toFixed(2)}${r.noisyPasses > 0 ? ` (${r.noisyPasses} noisy)` : ''}`,
    String(r.non2xx),
    String(r.errors),
  ]),
];
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
process.stdout.write(
  [
    '',
    `Gateway ablation (Node), ${route} route, ${started.toISOString()}: ${describeMachine(machine)}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    '',
    '* "full" = createApp (the current gateway); "before" = the stack before issue 19 (servers/legacy-stack.ts);',
    '  "before+x" = that stack with change x alone; "none" = no middleware; express, fastify and bare-node are the references of run.ts.',
    '* vs full = median over A B B A blocks of rps(server)/rps(full), each block measured within seconds on the same machine state.',
    "* CPU µs/req = the server process's CPU time per completed request over its slices (robust where throughput drifts with others' load);",
    '  Δ = median over blocks of (variant − full): positive means the variant costs more per request than full.',
    '* servers CPU = both compared servers together over the blocks, as a share of one core (100% = core saturated).',
    '',
  ].join('\n'),
);

if (options.json) {
  const report = {
    date: started.toISOString(),
    machine,
    settings: { ...settingsRecord(options), blocks: options.blocks, sliceSeconds: options.durationSeconds },
    fullRequestsPerSecond: fullRps,
    servers: rows,
    passes: Object.fromEntries(passes),
  };
  await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${options.json}`);
}
