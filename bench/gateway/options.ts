/** Command-line options shared by `run.ts` and `ablation.ts`. */
import { parseArgs } from 'node:util';
import type { MeasureSettings } from './measure.ts';
import { type BenchRoute, isBenchRoute } from './protocol.ts';

export interface BenchOptions extends MeasureSettings {
  json: string | undefined;
  bunPath: string;
  /** Run only these server (or variant) ids; all when empty. */
  only: string[];
  /** Ablation only: A B B A blocks per comparison. */
  blocks: number;
  /** Ablation only: another checkout (e.g. `git archive` of an earlier commit) whose `full` is compared too. */
  baselineCheckout: string | undefined;
}

const nonNegative = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be 0 or more, got "${raw}"`);
  return value;
};

const positive = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return value;
};

export function parseBenchOptions(defaults: {
  rounds: number;
  duration: number;
  warmup: number;
  routes?: string;
}): BenchOptions {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: String(defaults.rounds) },
      duration: { type: 'string', default: String(defaults.duration) },
      warmup: { type: 'string', default: String(defaults.warmup) },
      connections: { type: 'string', default: '50' },
      json: { type: 'string' },
      bun: { type: 'string', default: 'bun' },
      only: { type: 'string', default: '' },
      blocks: { type: 'string', default: '3' },
      'baseline-checkout': { type: 'string' },
      'quiet-wait': { type: 'string', default: '180' },
      'max-other-cpu': { type: 'string', default: '0.25' },
      retries: { type: 'string', default: '2' },
      routes: { type: 'string', default: defaults.routes ?? 'plain,auth' },
      // Recreated by every run: never point it at a database that holds anything.
      'database-url': {
        type: 'string',
        default:
          process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/streamhub_bench_gateway',
      },
    },
    strict: true,
  });
  const warmup = nonNegative('warmup', values.warmup);
  const routes = values.routes.split(',').filter(Boolean);
  const unknown = routes.filter((r) => !isBenchRoute(r));
  if (routes.length === 0 || unknown.length > 0) {
    throw new Error(`--routes takes plain and/or auth, got "${values.routes}"`);
  }
  return {
    rounds: positive('rounds', values.rounds),
    durationSeconds: positive('duration', values.duration),
    warmupSeconds: warmup,
    connections: positive('connections', values.connections),
    json: values.json,
    bunPath: values.bun,
    only: values.only.split(',').filter(Boolean),
    blocks: positive('blocks', values.blocks),
    baselineCheckout: values['baseline-checkout'],
    nodePath: process.execPath,
    serverCpu: 0,
    clientCpu: 1,
    quietWaitSeconds: nonNegative('quiet-wait', values['quiet-wait']),
    maxOtherCpu: nonNegative('max-other-cpu', values['max-other-cpu']),
    retries: Math.floor(nonNegative('retries', values.retries)),
    routes: routes as BenchRoute[],
    databaseUrl: values['database-url'],
  };
}

export function settingsRecord(options: BenchOptions): Record<string, number | string> {
  return {
    rounds: options.rounds,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    connections: options.connections,
    pipelining: 1,
    serverCpu: options.serverCpu,
    clientCpu: options.clientCpu,
    quietWaitSeconds: options.quietWaitSeconds,
    maxOtherCpu: options.maxOtherCpu,
    retries: options.retries,
    routes: options.routes.join(','),
  };
}
