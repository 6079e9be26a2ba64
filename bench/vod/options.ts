/** Command-line options of `run.ts`. */
import { parseArgs } from 'node:util';

export interface VodBenchOptions {
  /** Length of the generated 1080p30 clip. */
  seconds: number;
  /** Rounds; each runs every setup once, in alternating order. */
  rounds: number;
  json: string | undefined;
}

const number = (name: string, raw: string, min: number): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`--${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
};

export function parseVodBenchOptions(argv: string[] = process.argv.slice(2)): VodBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '60' },
      rounds: { type: 'string', default: '2' },
      json: { type: 'string' },
    },
    strict: true,
  });
  return {
    seconds: number('seconds', values.seconds, 1),
    rounds: Math.round(number('rounds', values.rounds, 1)),
    json: values.json,
  };
}
