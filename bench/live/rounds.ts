/**
 * The run loop: rounds of one StreamHub run and one plain-ffmpeg run, in A B / B A order so that a
 * machine slowly getting busier or quieter does not favour either side. Each run gets fresh
 * processes and a fresh scratch directory, and waits first for the (shared) machine to be quiet.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceInfo } from '@streamhub/media-node/ffmpeg/ladder';
import { type FfmpegBinary, locateFfmpeg } from '@streamhub/media-node/ffmpeg/locate';
import { removeNow, removeOnExit } from '../shared/cleanup.ts';
import { type LiveEncoderDelay, measureLiveEncoderDelay } from './encoder-delay.ts';
import { measureRun, type RunResult, type RunSettings } from './measure-run.ts';
import { benchConfig } from './media-config.ts';
import type { LiveBenchOptions } from './options.ts';
import { machineCpu } from './proc.ts';
import {
  type EncoderSettings,
  encodeReplayFile,
  liveArgs,
  OBS_LIKE_ENCODER,
  type PublisherPlan,
  replayArgs,
  replayFileArgs,
} from './publisher.ts';
import { isClean } from './report.ts';
import { type SetupName, startFfmpegBaseline, startStreamhub } from './setups.ts';

export interface LiveBenchRun {
  ffmpeg: FfmpegBinary;
  /** What the ladder was built for in the plain-ffmpeg runs (StreamHub's ingest reading, else the publisher's settings). */
  baselineSource: SourceInfo;
  baselineSourceFrom: 'streamhub-ingest' | 'publisher-settings';
  encoder: EncoderSettings;
  /** The publisher's ffmpeg command lines, for the record. */
  publisherCommands: string[];
  /** A live encoder's start-up and steady-state delay, measured before the runs (none with --encoder-tries 0). */
  encoderDelay: LiveEncoderDelay | undefined;
  results: RunResult[];
  /** Runs repeated because the machine was busy or the ladder fell behind (kept for the record). */
  discarded: RunResult[];
  scratch: string;
}

/**
 * A B, B A, A B, … (with LL-HLS: A L B, B L A, …): StreamHub first in the first round, so the baseline
 * can use its source reading.
 */
export function runOrder(rounds: number, lowLatency = false): SetupName[] {
  const round: SetupName[] = lowLatency ? ['streamhub', 'streamhub-ll', 'ffmpeg'] : ['streamhub', 'ffmpeg'];
  const order: SetupName[] = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? round : [...round].reverse()));
  return order;
}

async function waitForQuiet(maxBusyCores: number, maxWaitSeconds: number): Promise<number> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (;;) {
    const before = machineCpu();
    await sleep(1000);
    const busy = machineCpu().busy - before.busy;
    if (busy <= maxBusyCores || Date.now() >= deadline) return busy;
  }
}

export async function runLiveBench(
  options: LiveBenchOptions,
  log: (line: string) => void,
): Promise<LiveBenchRun> {
  const scratch = await mkdtemp(join(tmpdir(), 'streamhub-bench-live-'));
  if (!options.keep) removeOnExit(scratch);
  // The binary the media node would choose (FFMPEG_PATH unset: ffmpeg on PATH); the node reports its own choice too.
  const ffmpeg = await locateFfmpeg({
    ffmpegPath: benchConfig({ dataDir: scratch, segmentSeconds: options.segmentSeconds }).media.ffmpegPath,
  });
  const encoder: EncoderSettings = {
    ...OBS_LIKE_ENCODER,
    keyframeSeconds: options.keyframeSeconds,
    videoKbps: options.videoKbps,
    x264Preset: options.publisherPreset,
  };
  const playableTimeoutSeconds = 30;
  let publisher: PublisherPlan;
  const publisherCommands: string[][] = [];
  if (options.publisher === 'replay') {
    // Long enough for a slow start-up (up to about 15 s), the settle time, the window and a margin; a
    // run still pushing when the file ends fails with "the publisher exited early".
    const seconds = Math.ceil(options.settleSeconds + options.seconds + 20);
    const file = join(scratch, 'publisher.flv');
    const started = Date.now();
    await encodeReplayFile(ffmpeg.path, encoder, seconds, file);
    log(`encoded ${seconds} s of the publisher's stream in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    publisher = { ffmpegPath: ffmpeg.path, args: (url) => replayArgs(file, url) };
    publisherCommands.push(replayFileArgs(encoder, seconds, 'publisher.flv'));
  } else publisher = { ffmpegPath: ffmpeg.path, args: (url) => liveArgs(encoder, url) };
  publisherCommands.push(publisher.args('rtmp://…/live/<key>'));

  let encoderDelay: LiveEncoderDelay | undefined;
  if (options.encoderTries > 0) {
    await waitForQuiet(options.maxBusyCores, options.quietWaitSeconds);
    encoderDelay = await measureLiveEncoderDelay(ffmpeg.path, encoder, options.encoderTries);
    log(
      `live encoder: publish → first media ${encoderDelay.startUpS.toFixed(2)} s (zerolatency ${encoderDelay.zeroLatencyStartUpS.toFixed(2)} s), ` +
        `delay ${encoderDelay.delayS.toFixed(2)} s`,
    );
  }
  const settings: RunSettings = {
    seconds: options.seconds,
    settleSeconds: options.settleSeconds,
    playableTimeoutSeconds,
    publisher,
    encoderDelayS: encoderDelay?.delayS ?? 0,
  };
  let baselineSource: SourceInfo = {
    width: encoder.width,
    height: encoder.height,
    fps: encoder.fps,
    hasAudio: true,
  };
  let baselineSourceFrom: LiveBenchRun['baselineSourceFrom'] = 'publisher-settings';

  const results: RunResult[] = [];
  const discarded: RunResult[] = [];
  const order = runOrder(options.runs, options.lowLatency);
  for (const [i, name] of order.entries()) {
    const run = i + 1;
    for (let attempt = 0; ; attempt++) {
      const busy = await waitForQuiet(options.maxBusyCores, options.quietWaitSeconds);
      const runDir = join(scratch, `run-${run}-${name}-${attempt}`);
      const setup =
        name !== 'ffmpeg'
          ? await startStreamhub({
              runDir,
              segmentSeconds: options.segmentSeconds,
              runtime: options.runtime,
              bunPath: options.bunPath,
              lowLatency: name === 'streamhub-ll',
            })
          : await startFfmpegBaseline({
              runDir,
              segmentSeconds: options.segmentSeconds,
              ffmpegPath: ffmpeg.path,
              source: baselineSource,
            });
      log(
        `run ${run}/${order.length}: ${name}${attempt > 0 ? ` (repeat ${attempt})` : ''}, machine busy ${busy.toFixed(2)} cores before it`,
      );
      const result = await measureRun(setup, {
        run,
        runDir,
        settings,
        keyframeSeconds: options.keyframeSeconds,
      });
      if (!options.keep) removeNow(runDir);
      if (name === 'streamhub' && baselineSourceFrom === 'publisher-settings') {
        baselineSource = result.source;
        baselineSourceFrom = 'streamhub-ingest';
      }
      const clean = isClean(result, options.maxOthersCores);
      log(
        `  playable ${result.times.playable.toFixed(2)} s after publish, ${result.cpu.totalPerSecond.toFixed(3)} CPU-s/s, ` +
          `others ${result.cpu.othersCores.toFixed(2)} cores, ${result.mediaPerWallSecond.toFixed(2)} media s per s` +
          `${clean ? '' : ' (noisy)'}${result.warnings.length ? `; ${result.warnings.join('; ')}` : ''}`,
      );
      if (clean || attempt >= options.retries) {
        results.push(result);
        break;
      }
      discarded.push(result);
    }
  }
  return {
    ffmpeg,
    baselineSource,
    baselineSourceFrom,
    encoder,
    publisherCommands: publisherCommands.map((args) => `ffmpeg ${args.join(' ')}`),
    encoderDelay,
    results,
    discarded,
    scratch,
  };
}
