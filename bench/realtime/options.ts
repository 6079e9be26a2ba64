/** Command-line options of `run.ts`. */
import { parseArgs } from 'node:util';
import type { Group, MeasureSettings } from './measure.ts';

export interface RealtimeBenchOptions {
  groups: Group[];
  only: string[];
  bunPath: string;
  client: 'bun' | 'node';
  json: string | undefined;
  /** Write a V8 CPU profile of every Node server process into this directory. */
  cpuProfDir: string | undefined;
  settings: Omit<MeasureSettings, 'clientCommand' | 'clientArgs'>;
}

const number = (name: string, raw: string, { integer = false, min = 0 } = {}): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
};

/**
 * `2000:50,5000:10/20` → 2,000 clients at 50 msg/s, then 3,000 more join and the 5,000 run at 10 and
 * then 20 msg/s.
 */
export function parseGroups(raw: string): Group[] {
  const groups = raw.split(',').map((part) => {
    const [clients, rates] = part.split(':');
    if (!clients || !rates) throw new Error(`--scenarios: "${part}" is not CLIENTS:RATE[/RATE…]`);
    return {
      connections: number('scenarios', clients, { integer: true, min: 1 }),
      rates: rates.split('/').map((r) => number('scenarios', r, { min: 0.1 })),
    };
  });
  // The room only grows: each group adds clients to the previous one's.
  for (let i = 1; i < groups.length; i++) {
    if ((groups[i]?.connections ?? 0) <= (groups[i - 1]?.connections ?? 0)) {
      throw new Error('--scenarios: client counts must increase from one group to the next');
    }
  }
  return groups;
}

export function parseOptions(): RealtimeBenchOptions {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: '2000:15,5000:4/8' },
      only: { type: 'string', default: '' },
      workers: { type: 'string', default: '2' },
      client: { type: 'string', default: 'bun' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      'max-drain': { type: 'string', default: '30' },
      'quiet-wait': { type: 'string', default: '20' },
      'max-other-cpu': { type: 'string', default: '0.3' },
      retries: { type: 'string', default: '1' },
      nice: { type: 'string', default: '0' },
      bun: { type: 'string', default: 'bun' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  if (values.client !== 'bun' && values.client !== 'node') {
    throw new Error(`--client must be bun or node, got "${values.client}"`);
  }
  return {
    groups: parseGroups(values.scenarios),
    only: values.only.split(',').filter(Boolean),
    bunPath: values.bun,
    client: values.client,
    json: values.json,
    cpuProfDir: values['cpu-prof'],
    settings: {
      serverCpu: 0,
      clientCpu: 1,
      nice: (() => {
        const nice = Number(values.nice);
        if (!Number.isInteger(nice) || nice < -20 || nice > 19) {
          throw new Error(`--nice must be a whole number from -20 to 19, got "${values.nice}"`);
        }
        return nice;
      })(),
      workers: number('workers', values.workers, { integer: true, min: 1 }),
      warmupSeconds: number('warmup', values.warmup),
      durationSeconds: number('duration', values.duration, { min: 1 }),
      drainIdleSeconds: 1,
      maxDrainSeconds: number('max-drain', values['max-drain']),
      quietWaitSeconds: number('quiet-wait', values['quiet-wait']),
      maxOtherCpu: number('max-other-cpu', values['max-other-cpu']),
      retries: number('retries', values.retries, { integer: true }),
      warmupConnections: 100,
      perSenderRate: 0.8,
    },
  };
}
