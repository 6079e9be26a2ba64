/**
 * The VOD transcoding benchmark: StreamHub's ladder transcode against the same FFmpeg command run by
 * hand and against one FFmpeg run per rendition, on a generated 1080p30 clip. See bench/README.md
 * ("VOD transcoding").
 *
 *   node --import tsx bench/vod/run.ts [--seconds 60] [--rounds 2] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { loadAverages } from '../live/proc.ts';
import { cleanUpOnSignals } from '../shared/cleanup.ts';
import { discardClips } from './clip.ts';
import { runVodBench } from './measure.ts';
import { parseVodBenchOptions } from './options.ts';
import { compare, evaluateTargets, formatRuns, formatSummary, formatTargets, summarise } from './report.ts';

cleanUpOnSignals();
const options = parseVodBenchOptions();
const log = (line: string) => process.stderr.write(`${line}\n`);
const started = new Date();
const loadBefore = loadAverages();
const machine = `${cpus().length} vCPU (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
log(`machine: ${machine}; load average ${loadBefore.join(', ')}`);
log(
  `${options.rounds} rounds of streamhub / ffmpeg / separate (order reversed every other round), ${options.seconds} s clip`,
);

const result = await runVodBench({ seconds: options.seconds, rounds: options.rounds, log }).finally(
  discardClips,
);
const loadAfter = loadAverages();
const summaries = summarise(result);
const comparison = compare(result, summaries);
const targets = evaluateTargets(comparison);
const rungs = result.renditions.map((r) => `${r.name} ${r.width}×${r.height} ${r.videoKbps}k`).join(', ');

console.log(`\n${started.toISOString()} — ${result.ffmpegVersion}`);
console.log(`${machine}; load average before ${loadBefore.join(', ')}, after ${loadAfter.join(', ')}`);
console.log(`clip: ${result.clipSeconds} s 1920×1080 30 fps → ${rungs}\n`);
console.log(formatRuns(result));
console.log('');
console.log(formatSummary(summaries));
console.log('');
console.log(formatTargets(targets));

if (options.json) {
  await writeFile(
    options.json,
    `${JSON.stringify({ started, machine, loadBefore, loadAfter, options, ...result, summaries, comparison, targets }, null, 2)}\n`,
  );
  log(`wrote ${options.json}`);
}
