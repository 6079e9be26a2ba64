/**
 * The measurement: probe the clip as the job does, then run every setup once per round, in alternating
 * order (A B C / C B A), timing each run and reading the CPU its ffmpeg children used.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { locateFfmpeg } from '@streamhub/media-node/ffmpeg/locate';
import { probeMedia } from '@streamhub/media-node/vod/probe';
import { vodSourceOf } from '@streamhub/media-node/vod/transcode';
import {
  DEFAULT_VOD_LADDER,
  planVodRenditions,
  type VodRendition,
} from '@streamhub/media-node/vod/vod-ladder';
import { loadAverages, machineCpu, readProcStat } from '../live/proc.ts';
import { removeNow, removeOnExit } from '../shared/cleanup.ts';
import { benchClip } from './clip.ts';
import { checkLadder, playlistPath } from './hls-check.ts';
import { runSetup, SETUPS, type SetupContext, type SetupName } from './setups.ts';

export interface RunResult {
  round: number;
  setup: SetupName;
  wallS: number;
  /** User + system CPU seconds of every ffmpeg the run started (reaped children of this process). */
  ffmpegCpuS: number;
  /** CPU seconds of this (Node) process meanwhile: StreamHub's own work for `streamhub`, idle otherwise. */
  nodeCpuS: number;
  /** Cores the rest of the machine (other engineers, say) kept busy during the run. */
  othersCores: number;
  /** 1-minute load average just before the run. */
  loadBefore: number;
}

export interface VodBenchResult {
  ffmpegVersion: string;
  clipSeconds: number;
  renditions: VodRendition[];
  runs: RunResult[];
}

export interface VodBenchParams {
  seconds: number;
  rounds: number;
  log?: (line: string) => void;
}

/** Order of the setups in a round: forwards, then backwards, so drift and warm-up hit each alike. */
export function roundOrder(round: number): SetupName[] {
  return round % 2 === 0 ? [...SETUPS] : [...SETUPS].reverse();
}

const selfStat = () => {
  const stat = readProcStat(process.pid);
  if (!stat) throw new Error('cannot read /proc/self/stat (Linux only)');
  return stat;
};

export async function runVodBench(params: VodBenchParams): Promise<VodBenchResult> {
  const log = params.log ?? (() => undefined);
  const ffmpeg = await locateFfmpeg({ ffmpegPath: process.env.FFMPEG_PATH });
  log(`generating a ${params.seconds} s 1080p30 clip…`);
  const input = await benchClip(ffmpeg.path, params.seconds);
  // The job probes before it transcodes; that is done once here, outside the timed runs.
  const probe = await probeMedia(ffmpeg.ffprobePath, input);
  const context: SetupContext = { ffmpegPath: ffmpeg.path, input, probe, settings: DEFAULT_VOD_LADDER };
  const renditions = planVodRenditions(vodSourceOf(probe), DEFAULT_VOD_LADDER.ladder);
  const seconds = probe.durationMs / 1000;

  const scratch = await mkdtemp(join(tmpdir(), 'streamhub-bench-vod-out-'));
  removeOnExit(scratch);
  const runs: RunResult[] = [];
  try {
    for (let round = 0; round < params.rounds; round++) {
      for (const setup of roundOrder(round)) {
        const outputDir = await mkdtemp(join(scratch, `${setup}-`));
        const loadBefore = loadAverages()[0];
        const self0 = selfStat();
        const machine0 = machineCpu();
        const t0 = performance.now();
        await runSetup(setup, context, outputDir);
        const wallS = (performance.now() - t0) / 1000;
        const machine1 = machineCpu();
        const self1 = selfStat();
        const ffmpegCpuS = self1.reapedChildrenCpu - self0.reapedChildrenCpu;
        const nodeCpuS = self1.cpu - self0.cpu;
        const othersCores = Math.max(0, (machine1.busy - machine0.busy - ffmpegCpuS - nodeCpuS) / wallS);
        await checkLadder(
          renditions.map((r) =>
            setup === 'separate'
              ? playlistPath(join(outputDir, r.name), r.name)
              : playlistPath(outputDir, r.name),
          ),
          seconds,
        );
        removeNow(outputDir);
        const result = { round: round + 1, setup, wallS, ffmpegCpuS, nodeCpuS, othersCores, loadBefore };
        runs.push(result);
        log(
          `round ${round + 1} ${setup.padEnd(9)} ${wallS.toFixed(1)} s wall (${(seconds / wallS).toFixed(2)}× real time), ` +
            `ffmpeg ${ffmpegCpuS.toFixed(1)} CPU-s, node ${nodeCpuS.toFixed(2)} CPU-s, others ${othersCores.toFixed(2)} cores, load ${loadBefore}`,
        );
      }
    }
  } finally {
    removeNow(scratch);
  }
  return { ffmpegVersion: ffmpeg.version, clipSeconds: seconds, renditions, runs };
}
