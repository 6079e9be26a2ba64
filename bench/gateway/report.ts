/** Turns round results into medians, ratios and PASS/FAIL targets, as a table for people and JSON for scripts. */
import type { RoundResult } from './measure.ts';
import type { BenchRoute } from './protocol.ts';
import {
  BARE_BUN,
  BARE_NODE,
  EXPRESS,
  FASTIFY,
  type ServerSpec,
  STREAMHUB_BUN,
  STREAMHUB_NODE,
} from './servers.ts';

/** One server on one route. */
export interface ServerSummary {
  id: string;
  route: BenchRoute;
  label: string;
  runtime: 'node' | 'bun';
  rounds: number;
  /** Rounds the medians are taken over: the clean ones, or all when none was clean. */
  roundsUsed: number;
  /** Medians over the rounds used. */
  requestsPerSecond: number;
  /**
   * Server CPU per request in µs (server CPU over req/s, per round). Where the machine is shared and
   * the server core is not saturated, req/s measures the neighbours too; this measures the server.
   */
  cpuMicrosPerRequest: number;
  latencyP99Ms: number;
  serverCpu: number;
  clientCpu: number;
  /** Cores PostgreSQL used during the measured runs. */
  databaseCpu: number;
  /** Cores other processes on the shared machine used during the measured runs. */
  otherCpu: number;
  /** Rounds in which other processes still used too much CPU after every retry. */
  noisyRounds: number;
  /** Sums over all rounds. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The log file holds at least one line per measured request; null for servers that do not log. */
  logsComplete: boolean | null;
  /** The load generator, not the server, was the bottleneck: the figure is a lower bound. */
  clientBound: boolean;
  vsFastify: number | null;
  /** Against the bare server of the same runtime (node:http on Node, Bun.serve on Bun). */
  vsBare: number | null;
  /** The same two ratios by capacity (requests per CPU-second: the inverse of CPU per request). */
  capacityVsFastify: number | null;
  capacityVsBare: number | null;
}

export interface TargetResult {
  target: string;
  /** Decided on req/s, the measure. */
  status: 'PASS' | 'FAIL' | 'SKIP';
  measured: string;
  /** The same target on capacity (CPU per request), which holds on a shared machine. */
  capacityStatus: 'PASS' | 'FAIL' | 'SKIP';
  capacity: string;
}

export interface BenchReport {
  date: string;
  settings: Record<string, number | string>;
  servers: ServerSummary[];
  targets: TargetResult[];
  notes: string[];
  rounds: RoundResult[];
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function summarise(
  specs: readonly ServerSpec[],
  rounds: readonly RoundResult[],
  logLines: Readonly<Record<string, number | null>>,
): ServerSummary[] {
  const routes = [...new Set(rounds.map((r) => r.route))];
  const base = routes.flatMap((route) =>
    specs.flatMap((spec) => {
      const mine = rounds.filter((r) => r.serverId === spec.id && r.route === route);
      const first = mine[0];
      if (!first) return [];
      // Rounds disturbed by other processes count only when no clean round exists.
      const clean = mine.filter((r) => !r.noisy);
      const basis = clean.length > 0 ? clean : mine;
      const serverCpu = median(basis.map((r) => r.serverCpu));
      const clientCpu = median(basis.map((r) => r.clientCpu));
      return [
        {
          id: spec.id,
          route,
          label: spec.label,
          runtime: first.runtime,
          rounds: mine.length,
          roundsUsed: basis.length,
          requestsPerSecond: median(basis.map((r) => r.requestsPerSecond)),
          cpuMicrosPerRequest: median(basis.map((r) => (r.serverCpu * 1e6) / r.requestsPerSecond)),
          latencyP99Ms: median(basis.map((r) => r.latencyP99Ms)),
          serverCpu,
          clientCpu,
          databaseCpu: median(basis.map((r) => r.databaseCpu)),
          otherCpu: median(basis.map((r) => r.otherCpu)),
          noisyRounds: mine.length - clean.length,
          non2xx: sum(mine.map((r) => r.non2xx)),
          errors: sum(mine.map((r) => r.errors)),
          timeouts: sum(mine.map((r) => r.timeouts)),
          // A server's log covers both routes: every request measured on either must have its line.
          logsComplete: spec.logs
            ? (logLines[spec.id] ?? 0) >=
              sum(rounds.filter((r) => r.serverId === spec.id).map((r) => r.totalRequests))
            : null,
          clientBound: clientCpu > 0.9 && serverCpu < 0.9,
        },
      ];
    }),
  );
  const find = (id: string, route: BenchRoute) => base.find((s) => s.id === id && s.route === route);
  return base.map((s) => {
    const fastify = find(FASTIFY, s.route);
    const bare = find(s.runtime === 'bun' ? BARE_BUN : BARE_NODE, s.route);
    return {
      ...s,
      vsFastify: fastify ? s.requestsPerSecond / fastify.requestsPerSecond : null,
      vsBare: bare ? s.requestsPerSecond / bare.requestsPerSecond : null,
      capacityVsFastify: fastify ? fastify.cpuMicrosPerRequest / s.cpuMicrosPerRequest : null,
      capacityVsBare: bare ? bare.cpuMicrosPerRequest / s.cpuMicrosPerRequest : null,
    };
  });
}

/**
 * Median over rounds of subject/baseline measured in the same round. Runs of one round are minutes apart
 * at most, so this cancels the slow drift of a shared machine that a ratio of medians keeps.
 */
export function pairedRatio(
  rounds: readonly RoundResult[],
  route: BenchRoute,
  subjectId: string,
  baselineId: string,
): number | null {
  const at = (id: string, round: number) =>
    rounds.find((r) => r.serverId === id && r.route === route && r.round === round);
  const pairs = [...new Set(rounds.map((r) => r.round))].flatMap((round) => {
    const subject = at(subjectId, round);
    const baseline = at(baselineId, round);
    return subject && baseline
      ? [
          {
            noisy: subject.noisy || baseline.noisy,
            ratio: subject.requestsPerSecond / baseline.requestsPerSecond,
          },
        ]
      : [];
  });
  const clean = pairs.filter((p) => !p.noisy);
  const basis = clean.length > 0 ? clean : pairs;
  return basis.length > 0 ? median(basis.map((p) => p.ratio)) : null;
}

const clean = (s: ServerSummary) => s.non2xx === 0 && s.errors === 0 && s.logsComplete !== false;

function target(
  servers: readonly ServerSummary[],
  rounds: readonly RoundResult[],
  name: string,
  route: BenchRoute,
  subjectId: string,
  baselineId: string,
  minRatio: number,
  show: (ratio: number) => string,
): TargetResult {
  const subject = servers.find((s) => s.id === subjectId && s.route === route);
  const baseline = servers.find((s) => s.id === baselineId && s.route === route);
  if (!subject || !baseline) {
    const skipped = 'not measured in this run';
    return { target: name, status: 'SKIP', measured: skipped, capacityStatus: 'SKIP', capacity: skipped };
  }
  const capacityRatio = baseline.cpuMicrosPerRequest / subject.cpuMicrosPerRequest;
  const ratio = subject.requestsPerSecond / baseline.requestsPerSecond;
  const problems = [subject, baseline].filter((s) => !clean(s)).map((s) => `${s.id} had failed responses`);
  const status = ratio >= minRatio && problems.length === 0 ? 'PASS' : 'FAIL';
  const paired = pairedRatio(rounds, route, subjectId, baselineId);
  const pairedNote =
    paired === null
      ? ''
      : `, per-round ${show(paired)}${paired >= minRatio === ratio >= minRatio ? '' : ' (disagrees: borderline)'}`;
  const bound = baseline.clientBound ? ` (${baseline.id} is client-bound: its figure is a lower bound)` : '';
  const noise = [subject, baseline]
    .filter((s) => s.noisyRounds > 0)
    .map((s) => `${s.id}: ${s.noisyRounds} noisy round(s)`);
  return {
    target: name,
    status,
    measured: [show(ratio) + pairedNote + bound, ...problems, ...noise].join('; '),
    capacityStatus: capacityRatio >= minRatio && problems.length === 0 ? 'PASS' : 'FAIL',
    capacity: `${show(capacityRatio)} (${subject.cpuMicrosPerRequest.toFixed(0)} against ${baseline.cpuMicrosPerRequest.toFixed(0)} µs of server CPU per request)`,
  };
}

/** Decided on the ratio of medians; the per-round (paired) ratio is shown beside it as a check. */
export function evaluateTargets(
  servers: readonly ServerSummary[],
  rounds: readonly RoundResult[],
): TargetResult[] {
  const times = (r: number) => `${r.toFixed(2)}×`;
  const percent = (r: number) => `${Math.round(r * 100)}%`;
  const t = (
    name: string,
    route: BenchRoute,
    subject: string,
    baseline: string,
    min: number,
    pctShow = false,
  ) =>
    target(servers, rounds, `${name} (${route})`, route, subject, baseline, min, pctShow ? percent : times);
  return [
    t('gateway on Node ≥ 1.2× Fastify', 'plain', STREAMHUB_NODE, FASTIFY, 1.2),
    t('gateway on Node ≥ 1.2× Fastify', 'auth', STREAMHUB_NODE, FASTIFY, 1.2),
    t('gateway on Node ≥ 50% of bare node:http', 'plain', STREAMHUB_NODE, BARE_NODE, 0.5, true),
    t('gateway on Bun ≥ 50% of bare Bun.serve', 'plain', STREAMHUB_BUN, BARE_BUN, 0.5, true),
    t('gateway on Bun ≥ 2.5× Fastify on Node', 'plain', STREAMHUB_BUN, FASTIFY, 2.5),
    t('gateway on Node ≥ 2× Express', 'plain', STREAMHUB_NODE, EXPRESS, 2),
    t('gateway on Bun ≥ 3× Express', 'plain', STREAMHUB_BUN, EXPRESS, 3),
  ];
}

const thousands = (n: number) => `${(n / 1000).toFixed(1)}k`;
const ratio = (r: number | null) => (r === null ? '–' : `${r.toFixed(2)}×`);
const share = (r: number) => `${Math.round(r * 100)}%`;

/** A Markdown table, readable in a terminal and pasteable into docs. */
export function formatTable(servers: readonly ServerSummary[]): string {
  const header = [
    'route',
    'server',
    'req/s (median)',
    'rounds',
    'p99 ms',
    '× Fastify',
    '× bare (same runtime)',
    'CPU µs/req',
    'capacity × Fastify',
    'capacity × bare',
    'server CPU',
    'client CPU',
    'database CPU',
    'other CPU',
    'non-2xx',
    'errors',
  ];
  const rows = servers.map((s) => [
    s.route,
    s.label,
    thousands(s.requestsPerSecond) + (s.clientBound ? ' (client-bound)' : ''),
    `${s.roundsUsed}/${s.rounds}`,
    String(s.latencyP99Ms),
    ratio(s.vsFastify),
    ratio(s.vsBare),
    s.cpuMicrosPerRequest.toFixed(0),
    ratio(s.capacityVsFastify),
    ratio(s.capacityVsBare),
    share(s.serverCpu),
    share(s.clientCpu),
    share(s.databaseCpu),
    s.otherCpu.toFixed(2),
    String(s.non2xx),
    String(s.errors + (s.logsComplete === false ? ' (log lines missing)' : '')),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatTargets(targets: readonly TargetResult[]): string {
  return targets
    .map(
      (t) =>
        `${t.status.padEnd(4)}  ${t.target}: req/s ${t.measured}\n` +
        `${t.capacityStatus.padEnd(4)}  … by capacity: ${t.capacity}`,
    )
    .join('\n');
}
