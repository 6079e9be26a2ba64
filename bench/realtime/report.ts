/** Tables and PASS/FAIL targets of the realtime benchmark, from the figures `measure.ts` collected. */
import type { GroupFigures, RunFigures } from './measure.ts';
import { BARE_WS } from './servers.ts';

export const TARGETS = {
  /** Delivery rate of the gateway as a share of the bare `ws` loop's, same scenario and run. */
  minDeliveryRatio: 0.7,
  /** p99 send-to-receive latency at this many clients (and more). */
  p99MaxMs: 100,
  p99AtClients: 5000,
  maxKiBPerConnection: 20,
};

/** A share of one core this high means that side was the bottleneck. */
const SATURATED = 0.9;

export interface TargetResult {
  serverId: string;
  scenario: string;
  target: string;
  value: string;
  pass: boolean;
}

const scenarioOf = (run: Pick<RunFigures, 'connections' | 'rate'>) =>
  `${run.connections.toLocaleString('en')} clients × ${run.rate} msg/s`;

const kilo = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');

function baselineOf(groups: GroupFigures[], run: RunFigures): RunFigures | undefined {
  return groups
    .find((g) => g.serverId === BARE_WS && g.connections === run.connections)
    ?.runs.find((r) => r.rate === run.rate);
}

function bottleneck(run: RunFigures, maxOtherCpu: number): string {
  const marks: string[] = [];
  if (run.otherCpu > maxOtherCpu) marks.push('NOISY');
  if (run.serverCpu >= SATURATED) marks.push('server-bound');
  if (run.clientCpu >= SATURATED) marks.push('client-bound');
  if (run.deliveredShare < 0.99) marks.push('fell behind');
  return marks.join(', ');
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  if (!head) return '';
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

export function formatScenarios(
  groups: GroupFigures[],
  labels: Record<string, string>,
  maxOtherCpu: number,
): string {
  const scenarios = [
    ...new Map(groups.flatMap((g) => g.runs.map((r) => [scenarioOf(r), r] as const))).values(),
  ];
  const sections: string[] = [];
  for (const scenario of scenarios) {
    const rows: string[][] = [
      [
        'server',
        'deliveries/s',
        '× bare ws',
        'delivered',
        'p50 ms',
        'p99 ms',
        'max ms',
        'KiB/conn',
        'heap KiB/conn',
        'server CPU',
        'client CPU',
        'softirq',
        'other cores',
        'server µs/delivery',
        'notes',
      ],
    ];
    for (const group of groups) {
      const run = group.runs.find((r) => r.connections === scenario.connections && r.rate === scenario.rate);
      if (!run) continue;
      const base = baselineOf(groups, run);
      const notes = [
        bottleneck(run, maxOtherCpu),
        Object.keys(run.refusals).length ? `refused ${JSON.stringify(run.refusals)}` : '',
        Object.keys(run.closed).length ? `closed ${JSON.stringify(run.closed)}` : '',
      ].filter(Boolean);
      rows.push([
        labels[group.serverId] ?? group.serverId,
        kilo(run.deliveredPerSecond),
        base ? `${(run.deliveredPerSecond / base.deliveredPerSecond).toFixed(2)}×` : '–',
        `${(run.deliveredShare * 100).toFixed(1)} %`,
        ms(run.p50Ms),
        ms(run.p99Ms),
        ms(run.maxMs),
        group.memory.perConnectionKiB.toFixed(1),
        group.memory.livePerConnectionKiB.toFixed(1),
        pct(run.serverCpu),
        pct(run.clientCpu),
        pct(run.softirqCpu),
        run.otherCpu.toFixed(2),
        run.serverUsPerDelivery.toFixed(2),
        notes.join('; '),
      ]);
    }
    sections.push(
      `${scenarioOf(scenario)} (offered ${kilo(scenario.offeredPerSecond)} deliveries/s)\n${table(rows)}`,
    );
  }
  return sections.join('\n\n');
}

export function evaluateTargets(groups: GroupFigures[]): TargetResult[] {
  const results: TargetResult[] = [];
  for (const group of groups) {
    if (!group.serverId.startsWith('streamhub')) continue;
    results.push({
      serverId: group.serverId,
      scenario: `${group.connections.toLocaleString('en')} clients`,
      target: `< ${TARGETS.maxKiBPerConnection} KiB per connection`,
      value: `${group.memory.perConnectionKiB.toFixed(1)} KiB`,
      pass: group.memory.perConnectionKiB < TARGETS.maxKiBPerConnection,
    });
    for (const run of group.runs) {
      const base = baselineOf(groups, run);
      if (base) {
        const ratio = run.deliveredPerSecond / base.deliveredPerSecond;
        results.push({
          serverId: group.serverId,
          scenario: scenarioOf(run),
          target: `≥ ${pct(TARGETS.minDeliveryRatio)} of bare ws deliveries/s`,
          value: pct(ratio),
          pass: ratio >= TARGETS.minDeliveryRatio,
        });
      }
      if (run.connections >= TARGETS.p99AtClients) {
        results.push({
          serverId: group.serverId,
          scenario: scenarioOf(run),
          target: `p99 < ${TARGETS.p99MaxMs} ms`,
          value: `${ms(run.p99Ms)} ms`,
          pass: run.p99Ms < TARGETS.p99MaxMs && run.deliveredShare >= 0.99,
        });
      }
    }
  }
  return results;
}

export interface CostSplit {
  serverId: string;
  /** Server CPU µs per chat message (decode, checks, storage, publish), whatever the room size. */
  perMessageUs: number;
  /** Server CPU µs per delivery (one frame written to one client). */
  perDeliveryUs: number;
  runs: number;
}

/**
 * Splits a server's CPU into a per-message and a per-delivery part by a least-squares fit of
 * `CPU µs/s = a × messages/s + b × deliveries/s` over its runs (the room sizes and rates differ, so the
 * two parts can be told apart). Needs at least two runs with different deliveries per message.
 */
export function splitCosts(groups: GroupFigures[]): CostSplit[] {
  const byServer = new Map<string, RunFigures[]>();
  for (const group of groups)
    byServer.set(group.serverId, [...(byServer.get(group.serverId) ?? []), ...group.runs]);
  const splits: CostSplit[] = [];
  for (const [serverId, runs] of byServer) {
    if (new Set(runs.map((r) => r.connections)).size < 2) continue;
    // Normal equations of the two-parameter fit without intercept.
    let mm = 0;
    let md = 0;
    let dd = 0;
    let mc = 0;
    let dc = 0;
    for (const run of runs) {
      const messages = run.deliveredPerSecond / run.connections;
      const cpu = run.serverCpu * 1e6;
      mm += messages * messages;
      md += messages * run.deliveredPerSecond;
      dd += run.deliveredPerSecond * run.deliveredPerSecond;
      mc += messages * cpu;
      dc += run.deliveredPerSecond * cpu;
    }
    const det = mm * dd - md * md;
    if (det === 0) continue;
    splits.push({
      serverId,
      perMessageUs: (mc * dd - dc * md) / det,
      perDeliveryUs: (mm * dc - md * mc) / det,
      runs: runs.length,
    });
  }
  return splits;
}

export function formatCostSplits(splits: CostSplit[], labels: Record<string, string>): string {
  return table([
    ['server', 'server CPU µs per message', 'server CPU µs per delivery', 'runs fitted'],
    ...splits.map((s) => {
      // A negative part means the runs disagree more than the model explains (a noisy machine).
      const fits = s.perMessageUs >= 0 && s.perDeliveryUs >= 0;
      return [
        labels[s.serverId] ?? s.serverId,
        fits ? s.perMessageUs.toFixed(0) : `(${s.perMessageUs.toFixed(0)}: no fit, noisy runs)`,
        fits ? s.perDeliveryUs.toFixed(2) : `(${s.perDeliveryUs.toFixed(2)})`,
        String(s.runs),
      ];
    }),
  ]);
}

export function formatTargets(results: TargetResult[], labels: Record<string, string>): string {
  return table([
    ['server', 'scenario', 'target', 'measured', 'result'],
    ...results.map((r) => [
      labels[r.serverId] ?? r.serverId,
      r.scenario,
      r.target,
      r.value,
      r.pass ? 'PASS' : 'FAIL',
    ]),
  ]);
}
