/**
 * The live pipeline benchmark: StreamHub's media node against the same FFmpeg ladder run by hand,
 * fed by the same synthetic 720p30 publisher. See bench/README.md ("Live pipeline").
 *
 *   node --import tsx bench/live/run.ts [--runs 3] [--seconds 20] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { cleanUpOnSignals } from '../shared/cleanup.ts';
import { WATCH_PAGE_HOLD_BACK_SEGMENTS } from './latency.ts';
import { measureLlViewers } from './ll-viewers.ts';
import { benchConfig } from './media-config.ts';
import { parseLiveBenchOptions } from './options.ts';
import { niceSelf } from './priority.ts';
import { loadAverages } from './proc.ts';
import { FIRST_MEDIA_BYTES } from './relay.ts';
import {
  evaluateLlTargets,
  evaluateTargets,
  formatRuns,
  formatSummary,
  formatTargets,
  llGlassToGlass,
  pairedCpuRatios,
  playableWithLiveEncoder,
  SETUP_LABEL,
  summarise,
} from './report.ts';
import { runLiveBench } from './rounds.ts';
import { handRunLadderArgv } from './setups.ts';

cleanUpOnSignals();
const options = parseLiveBenchOptions();
const log = (line: string) => process.stderr.write(`${line}\n`);
if (!niceSelf(options.nice)) log(`cannot set niceness ${options.nice} (not root?): run with --nice 0`);
const started = new Date();
const loadBefore = loadAverages();
const machine = `${cpus().length} vCPU (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
log(`machine: ${machine}; load average ${loadBefore.join(', ')}`);
log(
  `${options.runs} rounds (StreamHub and plain ffmpeg, A B / B A), ${options.settleSeconds} s settle + ${options.seconds} s measured each; ` +
    `a run is repeated (up to ${options.retries}×) when other processes used > ${options.maxOthersCores} cores meanwhile or the ladder fell behind`,
);

const bench = await runLiveBench(options, log);
const { results } = bench;
if (options.keep) log(`scratch directory kept: ${bench.scratch}`);
const sh = summarise('streamhub', results, options.maxOthersCores);
const ff = summarise('ffmpeg', results, options.maxOthersCores);
const ll = options.lowLatency ? summarise('streamhub-ll', results, options.maxOthersCores) : undefined;
const llPartTargetS = benchConfig({
  dataDir: '/tmp',
  segmentSeconds: options.segmentSeconds,
  lowLatency: true,
}).media.partTargetSeconds;
const llG2g = ll && llGlassToGlass(ll, bench.encoderDelay?.delayS ?? 0, llPartTargetS);
// The gateway part: one gateway holding blocking reloads for many LL-HLS viewers (after the rounds, alone).
let llViewers: Awaited<ReturnType<typeof measureLlViewers>> | undefined;
let llViewersProblem: string | undefined;
if (options.lowLatency && options.llViewers > 0) {
  try {
    llViewers = await measureLlViewers({
      viewers: options.llViewers,
      seconds: options.llViewerSeconds,
      segmentSeconds: options.segmentSeconds,
      log,
    });
  } catch (error) {
    llViewersProblem = (error as Error).message;
    log(`LL viewers failed: ${llViewersProblem}`);
  }
}
const startUpS = playableWithLiveEncoder(sh, options.publisher, bench.encoderDelay?.startUpS);
const startUpNote =
  options.publisher === 'live'
    ? '(measured with the live publisher)'
    : bench.encoderDelay
      ? `(= first media → playable ${sh.playableFromFirstMediaS.toFixed(2)} s + a live encoder's publish → first media ${bench.encoderDelay.startUpS.toFixed(2)} s; replayed publisher: ${sh.playableS.toFixed(2)} s)`
      : '(replayed publisher, no live encoder start-up: --encoder-tries 0)';
const targets = evaluateTargets(sh, ff, results, { streamhubS: startUpS, note: startUpNote });
const loadAfter = loadAverages();
const config = benchConfig({ dataDir: '/tmp', segmentSeconds: options.segmentSeconds });
const handRun = handRunLadderArgv({
  port: 0,
  outputDir: '<dir>',
  source: bench.baselineSource,
  segmentSeconds: options.segmentSeconds,
  dataDir: '/tmp',
});
const shRuns = results.filter((r) => r.setup === 'streamhub');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const g2g = (setup: 'streamhub' | 'ffmpeg') => {
  const s = setup === 'streamhub' ? sh : ff;
  const runs = results.filter((r) => r.setup === setup);
  const part = (pick: (r: (typeof runs)[number]) => number) =>
    runs
      .map(pick)
      .map((x) => x.toFixed(2))
      .join('/');
  return (
    `${SETUP_LABEL[setup]}: ${s.glassToGlassS.toFixed(2)} s = encoder ${(bench.encoderDelay?.delayS ?? 0).toFixed(2)} + lateness ${s.latenessS.toFixed(2)} ` +
    `+ ${WATCH_PAGE_HOLD_BACK_SEGMENTS} × ${s.targetDurationS} + ${s.targetDurationS}/2 (per run: lateness ${part((r) => r.latenessS.median)} s)`
  );
};

const output = [
  '',
  `Live pipeline benchmark, ${started.toISOString()}`,
  `machine: ${machine}; ${bench.ffmpeg.version}`,
  `load average (1, 5, 15 min): ${loadBefore.join(', ')} before, ${loadAfter.join(', ')} after.`,
  'NOTE: this machine is shared and other engineers run test suites on it; "others" is the cores other processes used during each measured window. Figures are noisy: compare the two setups within one run.',
  options.nice === 0
    ? 'priority: unchanged'
    : `priority: both setups, the publisher and this orchestrator run at niceness ${options.nice}, ahead of the neighbours' processes (--nice 0 to turn off)`,
  '',
  `publisher (${options.publisher}): ${bench.publisherCommands.join('  then  ')}`,
  bench.encoderDelay
    ? `live encoder with these settings (${bench.encoderDelay.tries} live pushes each into ffmpeg -listen … -c copy -f null): publish → first media ${bench.encoderDelay.startUpS.toFixed(2)} s, with -tune zerolatency ${bench.encoderDelay.zeroLatencyStartUpS.toFixed(2)} s, so the encoder holds a frame ${bench.encoderDelay.delayS.toFixed(2)} s`
    : 'live encoder delay not measured (--encoder-tries 0): taken as 0',
  `StreamHub: startMediaNode in its own ${options.runtime} process, in-memory publish gate, LIVE_SEGMENT_SECONDS=${options.segmentSeconds}, every other media setting at its default (ladder ${JSON.stringify(config.media.ladder)}, x264 ${config.media.x264Preset}, window ${config.media.windowSegments}, thumbnails every ${config.media.thumbnailSeconds} s)`,
  `plain ffmpeg (argv from buildLiveHlsInvocation for ${JSON.stringify(bench.baselineSource)}, source from ${bench.baselineSourceFrom}): ffmpeg ${handRun.join(' ')}`,
  `times are seconds from publish = the publisher's TCP connection accepted (by a relay in front of the RTMP server); "first media" = ${FIRST_MEDIA_BYTES} bytes received from it`,
  '',
  formatRuns(results, options.maxOthersCores),
  '',
  'Medians (clean runs):',
  formatSummary(ll ? [sh, ll, ff] : [sh, ff]),
  '',
  `Expected glass-to-glass = live encoder delay + segment lateness (steady-state median) + the watch page player's hold-back (hls.js liveSyncDurationCount ${WATCH_PAGE_HOLD_BACK_SEGMENTS} × target duration) + half a target duration (average age of the live edge at load):`,
  `  ${g2g('streamhub')}`,
  `  ${g2g('ffmpeg')}`,
  '',
  `CPU per second of live (median): StreamHub ${sh.cpuPerSecond.toFixed(3)} = node process ${sh.rootCpuPerSecond.toFixed(3)} + ladder ffmpeg ${sh.ladderCpuPerSecond.toFixed(3)}; ` +
    `plain ffmpeg ${ff.cpuPerSecond.toFixed(3)}. Per-round ratios: ${pairedCpuRatios(results)
      .map((r) => r.toFixed(3))
      .join(', ')}.`,
  `  the node process uses ${pct(sh.nodeShareOfLadder)} of its own ladder's CPU (median of per-run shares; an upper bound of the overhead: it includes receiving RTMP, which plain ffmpeg does itself), ` +
    `${pct(sh.nodeShareOfLadder + sh.thumbnailCpuS / config.media.thumbnailSeconds / sh.ladderCpuPerSecond)} with the thumbnails.`,
  `  live thumbnail (outside the window): ${sh.thumbnailCpuS.toFixed(3)} CPU-s per shot, one per ${config.media.thumbnailSeconds} s = ${(sh.thumbnailCpuS / config.media.thumbnailSeconds).toFixed(4)} CPU-s/s more.`,
  `  node process ladder-spawn → playable (its own check): ${shRuns.map((r) => (r.times.nodePlayable ?? Number.NaN).toFixed(2)).join(', ')} s after publish.`,
  '',
  formatTargets(targets),
  '',
  ...(ll && llG2g
    ? [
        `LL-HLS (LIVE_LL_HLS=true, part target ${llPartTargetS} s, same ladder and publisher, in the same rounds):`,
        `  publish → first playable part (master and every variant listing a part) ${ll.firstPartS.toFixed(2)} s; first whole segment ${ll.playableS.toFixed(2)} s (classic ${sh.playableS.toFixed(2)} s, plain ffmpeg ${ff.playableS.toFixed(2)} s)`,
        `  expected glass-to-glass with the watch page in LL mode: ${llG2g.totalS.toFixed(2)} s = encoder ${llG2g.encoderDelayS.toFixed(2)} + part lateness ${llG2g.latenessS.toFixed(2)} + PART-HOLD-BACK ${llG2g.holdBackS.toFixed(2)} + half a part ${llG2g.halfPartS.toFixed(3)} (classic: ${sh.glassToGlassS.toFixed(2)} s)`,
        `  CPU per second of live: ${ll.cpuPerSecond.toFixed(3)} = node process ${ll.rootCpuPerSecond.toFixed(3)} + ladder ffmpeg ${ll.ladderCpuPerSecond.toFixed(3)}; classic ${sh.cpuPerSecond.toFixed(3)}; per-round ratios LL / classic ${pairedCpuRatios(
          results,
          'streamhub-ll',
          'streamhub',
        )
          .map((r) => r.toFixed(3))
          .join(', ')}`,
        formatTargets(evaluateLlTargets(ll, sh, results, llG2g.totalS)),
        '',
      ]
    : []),
  ...(llViewers
    ? [
        `LL-HLS viewers on one gateway (media node in-process, ladder ${llViewers.ladder} veryfast, viewers on 360p, in a separate process): ${llViewers.viewers} viewers for ${llViewers.elapsedS.toFixed(1)} s`,
        `  ${llViewers.requestsPerSecond.toFixed(0)} requests/s answered, of which ${llViewers.blockingReloadsPerSecond.toFixed(0)} blocking reloads/s; blocking requests held at once: median ${llViewers.heldMedian}, max ${llViewers.heldMax}; statuses ${JSON.stringify(llViewers.statuses)}`,
        `  after a part exists (its playlist stored): playlist delivered p50 ${llViewers.playlistDelayMs.p50.toFixed(0)} ms, p99 ${llViewers.playlistDelayMs.p99.toFixed(0)} ms; part bytes delivered p50 ${llViewers.partDelayMs.p50.toFixed(0)} ms, p99 ${llViewers.partDelayMs.p99.toFixed(0)} ms, max ${llViewers.partDelayMs.max.toFixed(0)} ms`,
        `  gateway process ${llViewers.gatewayCpuPerSecond.toFixed(2)} CPU-s/s (with the media node; ${llViewers.idleCpuPerSecond.toFixed(2)} with no viewers), ${llViewers.gatewayCpuMsPerRequest.toFixed(3)} CPU-ms per answered request; viewer client ${llViewers.clientCpuPerSecond.toFixed(2)} CPU-s/s`,
        formatTargets([
          {
            name: `LL-HLS: ${llViewers.viewers} viewers on one gateway, p99 part delivery < 200 ms after the part exists`,
            pass: llViewers.partDelayMs.p99 < 200,
            measured: `p99 ${llViewers.partDelayMs.p99.toFixed(0)} ms (playlist ${llViewers.playlistDelayMs.p99.toFixed(0)} ms)`,
          },
        ]),
        '',
      ]
    : llViewersProblem
      ? [`LL-HLS viewers: not measured (${llViewersProblem})`, '']
      : []),
  ...results
    .filter((r) => r.warnings.length > 0)
    .map((r) => `* run ${r.run} (${r.setup}): ${r.warnings.join('; ')}`),
  ...Object.values(results).flatMap((r) =>
    Object.entries(r.firstSegmentFrames)
      .filter(([, frames]) => typeof frames === 'string' || frames === 0)
      .map(([variant, frames]) => `* run ${r.run} (${r.setup}): first segment of ${variant}: ${frames}`),
  ),
  `${bench.discarded.length} noisy run(s) were repeated and left out (in the JSON as "discarded"). A run is clean when others used ≤ ${options.maxOthersCores} cores and the ladder kept up with live; while a ladder falls behind, its lateness grows through the window and the glass-to-glass figure is a lower bound.`,
  '',
].filter((line, i, all) => !(line === '' && all[i - 1] === ''));
process.stdout.write(output.join('\n'));

if (options.json) {
  await writeFile(
    options.json,
    JSON.stringify(
      {
        date: started.toISOString(),
        machine,
        loadBefore,
        loadAfter,
        options,
        ffmpeg: bench.ffmpeg,
        publisherCommands: bench.publisherCommands,
        encoder: bench.encoder,
        encoderDelay: bench.encoderDelay,
        handRunArgs: handRun,
        baselineSource: bench.baselineSource,
        summaries: ll ? [sh, ll, ff] : [sh, ff],
        lowLatency: ll && { glassToGlass: llG2g, partTargetS: llPartTargetS, viewers: llViewers },
        targets,
        results,
        discarded: bench.discarded,
      },
      null,
      2,
    ),
  );
  log(`wrote ${options.json}`);
}
