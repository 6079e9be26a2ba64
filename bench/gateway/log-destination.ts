/**
 * CPU per log line of the gateway's log destination against pino's stock asynchronous destination
 * (the anchor), in one run: each round writes the same ~300-byte lines to a fresh file through each
 * destination in turn, a burst of lines per event-loop turn as a busy server does, so most lines
 * arrive while a write is in flight. CPU is the whole process's (`process.cpuUsage`, libuv's write
 * threads included) from the first line until the file holds every line.
 *
 *   node --import tsx bench/gateway/log-destination.ts [--lines 100000] [--burst 50] [--rounds 5]
 *   bun bench/gateway/log-destination.ts [same options]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogDestination } from '@streamhub/logger/logger';
import { type DestinationStream, pino } from 'pino';
import { median } from './report.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    burst: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
  },
});
const lineCount = Number(values.lines);
const burst = Number(values.burst);
const rounds = Number(values.rounds);

const destinations: Record<string, (file: string) => DestinationStream> = {
  'pino stock (utf8)': (file) => pino.destination({ dest: file, sync: false }),
  createLogDestination: (file) => createLogDestination(file),
};

function accessLine(index: number): string {
  const line = {
    level: 'info',
    time: new Date(1_700_000_000_000 + index).toISOString(),
    pid: process.pid,
    name: 'gateway',
    reqId: `req-${index.toString(36).padStart(8, '0')}`,
    method: 'GET',
    path: '/api/v1/system/info',
    route: '/api/v1/system/info',
    status: 200,
    ms: 0.42,
    ip: '127.0.0.1',
    ua: 'autocannon/8.0.0 (bench; x86_64) keep-alive client',
    msg: 'request',
  };
  return `${JSON.stringify(line)}\n`;
}

const lines = Array.from({ length: lineCount }, (_, index) => accessLine(index));
const totalBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
const directory = mkdtempSync(join(tmpdir(), 'log-destination-'));

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Microseconds of process CPU per line, measured until the file holds every byte. */
async function measure(create: (file: string) => DestinationStream, round: number): Promise<number> {
  const file = join(directory, `round-${round}-${Math.random().toString(36).slice(2)}.log`);
  const destination = create(file);
  await nextTurn();
  const start = process.cpuUsage();
  for (let index = 0; index < lineCount; index += burst) {
    for (const line of lines.slice(index, index + burst)) destination.write(line);
    await nextTurn();
  }
  while (statSync(file).size < totalBytes) await nextTurn();
  const used = process.cpuUsage(start);
  if (statSync(file).size !== totalBytes) throw new Error(`${file}: wrong size`);
  return (used.user + used.system) / lineCount;
}

const runtime = 'Bun' in globalThis ? 'bun' : `node ${process.version}`;
console.log(
  `${runtime}: ${lineCount} lines of ~${Math.round(totalBytes / lineCount)} B, ${burst} per turn, ${rounds} rounds`,
);
const results = new Map<string, number[]>(Object.keys(destinations).map((name) => [name, []]));
try {
  for (let round = 0; round < rounds; round += 1) {
    const names = Object.keys(destinations);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
      const create = destinations[name];
      if (create) results.get(name)?.push(await measure(create, round));
    }
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
const anchor = median(results.get('pino stock (utf8)') ?? []);
for (const [name, samples] of results) {
  const perLine = median(samples);
  console.log(
    `${name.padEnd(20)} ${perLine.toFixed(2)} µs/line (median of ${samples.length})  ${(perLine / anchor).toFixed(2)}× stock`,
  );
}
