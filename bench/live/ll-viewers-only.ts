/**
 * The LL-HLS viewers part of bench/live on its own (no rounds): `bun bench/live/ll-viewers-only.ts
 * --viewers 1000 --seconds 20`. Prints the result as one JSON line.
 */
import { parseArgs } from 'node:util';
import { measureLlViewers } from './ll-viewers.ts';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    'segment-seconds': { type: 'string', default: '1' },
  },
  strict: true,
});
const result = await measureLlViewers({
  viewers: Number(values.viewers),
  seconds: Number(values.seconds),
  segmentSeconds: Number(values['segment-seconds']),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
