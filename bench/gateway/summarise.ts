/**
 * Prints the table and targets of a saved run (`run.ts --json`) again, with this checkout's report:
 *
 *   node --import tsx bench/gateway/summarise.ts /tmp/gateway.json
 */
import { readFileSync } from 'node:fs';
import { type BenchReport, evaluateTargets, formatTable, formatTargets, summarise } from './report.ts';
import { benchServers } from './servers.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: summarise.ts <run.json>');
const saved = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
const specs = benchServers({ node: 'node', bun: 'bun' });
// Log completeness was judged when the run ended; keep that verdict.
const logLines = Object.fromEntries(
  saved.servers.map((s) => [s.id, s.logsComplete === false ? 0 : Number.MAX_SAFE_INTEGER]),
);
const servers = summarise(specs, saved.rounds, logLines);
process.stdout.write(
  [
    `Gateway benchmark of ${saved.date}`,
    '',
    formatTable(servers),
    '',
    formatTargets(evaluateTargets(servers, saved.rounds)),
    '',
  ].join('\n'),
);
