/**
 * One measured run: a setup (StreamHub or the plain ffmpeg ladder) is started, the publisher pushes
 * through the timing relay into it, the output is watched until every variant is playable, then CPU
 * is read over a steady-state window of live, and everything is stopped.
 *
 * Clock: every time is epoch ms on this machine; results are in seconds from "publish", the moment
 * the publisher's TCP connection is accepted (by the relay, which connects on to the server at once).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceInfo } from '@streamhub/media-node/ffmpeg/ladder';
import { probe } from '@streamhub/media-node/testing/process-helpers';
import { HlsWatcher } from './hls-watcher.ts';
import {
  expectedGlassToGlass,
  type GlassToGlass,
  median,
  mediaPerWallSecond,
  segmentLateness,
  segmentTimings,
  WATCH_PAGE_HOLD_BACK_SEGMENTS,
} from './latency.ts';
import { connectedTo, loadAverages, machineCpu, readProcStat, treeCpu } from './proc.ts';
import { type PublisherPlan, startPublisher } from './publisher.ts';
import { startRelay } from './relay.ts';
import { isMediaNode, type SetupName, type StartedSetup } from './setups.ts';

export interface RunSettings {
  /** Seconds of live over which CPU is measured. */
  seconds: number;
  /** Seconds to wait after "playable" before the CPU window (start-up and catch-up excluded). */
  settleSeconds: number;
  /** A run whose output is not playable this long after publish fails. */
  playableTimeoutSeconds: number;
  publisher: PublisherPlan;
  /** A live encoder's steady-state delay (`encoder-delay.ts`): the first term of glass-to-glass. */
  encoderDelayS: number;
}

/** Seconds from publish; undefined when the thing never happened. */
export interface RunTimes {
  publisherSpawned: number;
  firstMedia: number | undefined;
  accepted: number | undefined;
  ladderSpawned: number | undefined;
  ladderConnected: number | undefined;
  master: number | undefined;
  variants: Record<string, number | undefined>;
  /** Master and every variant listing a segment: what a player needs. */
  playable: number;
  /** LL-HLS: master and every variant listing a part: what an LL-HLS player needs. */
  firstPart: number | undefined;
  /** The media node's own playable event, for cross-checking the watcher. */
  nodePlayable: number | undefined;
}

export interface RunCpu {
  windowSeconds: number;
  /** CPU seconds per second of live of the whole setup (process tree). */
  totalPerSecond: number;
  /** Of which: the root process itself (StreamHub: the Node/Bun media node; ffmpeg: the ladder). */
  rootPerSecond: number;
  /** Of which: the ladder ffmpeg (StreamHub: a child of the node). */
  ladderPerSecond: number;
  /** Of which: everything else in the tree (thumbnail ffmpeg runs). */
  otherChildrenPerSecond: number;
  publisherPerSecond: number;
  harnessPerSecond: number;
  /** Cores busy on the whole machine, and what processes outside the benchmark used. */
  machineBusyCores: number;
  othersCores: number;
  /**
   * StreamHub: CPU seconds of the children other than the ladder between "playable" and the window,
   * i.e. the first live thumbnail's ffmpeg run (one per LIVE_THUMBNAIL_SECONDS; outside the window).
   */
  thumbnailCpuS: number | undefined;
}

export interface RunResult {
  setup: SetupName;
  run: number;
  startedAt: string;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  source: SourceInfo;
  times: RunTimes;
  targetDurationS: number;
  /** Media seconds listed per wall second in the window (≈ 1 when the ladder keeps up with live). */
  mediaPerWallSecond: number;
  latenessS: { median: number; min: number; max: number; segments: number };
  /** Every segment listed in all variants: media end time and when it was listed (s from publish). */
  segments: { index: number; endS: number; listedS: number }[];
  glassToGlass: GlassToGlass;
  cpu: RunCpu;
  /** Frames decoded (ffprobe) from each variant's first segment. */
  firstSegmentFrames: Record<string, number | string>;
  warnings: string[];
}

const seconds = (at: number | undefined, zero: number) =>
  at === undefined ? undefined : Math.round(at - zero) / 1000;

/**
 * Waits for `promise`, polling `problem()` meanwhile (a process that died fails the run at once
 * rather than at the time-out). The poll stops when the promise settles.
 */
async function awaitOrFail<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs: number,
  problem: () => string | undefined,
): Promise<T> {
  let settled = false;
  const watching = (async (): Promise<never> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await sleep(20);
      if (settled) return new Promise<never>(() => undefined);
      const failure = problem();
      if (failure) throw new Error(failure);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
  })();
  try {
    return await Promise.race([promise, watching]);
  } finally {
    settled = true;
  }
}

/** Polls until the ladder holds a TCP connection to the RTMP port; epoch ms, or undefined after `timeoutMs`. */
async function ladderConnection(pid: number, port: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (connectedTo(pid, port)) return Date.now();
    await sleep(10);
  }
  return undefined;
}

interface CpuReading {
  at: number;
  tree: NonNullable<ReturnType<typeof treeCpu>>;
  publisher: number;
  harness: number;
  machine: ReturnType<typeof machineCpu>;
}

function readCpu(rootPid: number, publisherPid: number): CpuReading {
  const tree = treeCpu(rootPid);
  if (!tree) throw new Error(`process ${rootPid} is gone`);
  const usage = process.cpuUsage();
  return {
    at: Date.now(),
    tree,
    publisher: readProcStat(publisherPid)?.cpu ?? Number.NaN,
    harness: (usage.user + usage.system) / 1e6,
    machine: machineCpu(),
  };
}

export async function measureRun(
  setup: StartedSetup,
  options: { run: number; runDir: string; settings: RunSettings; keyframeSeconds: number },
): Promise<RunResult> {
  const { settings } = options;
  const warnings: string[] = [];
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverages();
  const copyDir = join(options.runDir, 'first-segments');
  await mkdir(copyDir, { recursive: true });

  const relay = await startRelay(setup.rtmpPort);
  const watcher = new HlsWatcher(copyDir);
  const publisher = startPublisher(`rtmp://127.0.0.1:${relay.port}/${setup.streamPath}`, settings.publisher);
  const problem = () =>
    setup.problem() ??
    (publisher.child.exitCode !== null ? `the publisher exited early: ${publisher.stderr()}` : undefined);

  try {
    void setup.output.then(
      (output) => watcher.start(output),
      () => undefined,
    );

    // The ladder's RTMP connection to the node: when its input starts (StreamHub only).
    let ladderConnectedAt: number | undefined;
    if (isMediaNode(setup.name))
      void setup.ladder
        .then(({ pid }) => ladderConnection(pid, setup.rtmpPort, 15_000))
        .then(
          (at) => {
            ladderConnectedAt = at;
          },
          () => undefined,
        );

    const connectedAt = await awaitOrFail(relay.connected, 'the publisher to connect', 15_000, problem);
    const playableAt = await awaitOrFail(
      watcher.playable,
      'every variant to list a segment',
      settings.playableTimeoutSeconds * 1000,
      problem,
    );
    const output = await setup.output;
    const ladder = await setup.ladder;
    // StreamHub takes its first thumbnail (a short ffmpeg run) when the session becomes playable.
    const atPlayable = treeCpu(setup.cpuRootPid);

    // Steady state: start-up and, for StreamHub, the burst of node-media-server's cached GOP are over.
    await sleep(settings.settleSeconds * 1000);
    const before = readCpu(setup.cpuRootPid, publisher.pid);
    const ladderBefore =
      before.tree.descendants.get(ladder.pid)?.cpu ??
      (ladder.pid === setup.cpuRootPid ? before.tree.root : undefined);
    await sleep(settings.seconds * 1000);
    const failure = problem();
    if (failure) throw new Error(failure);
    const after = readCpu(setup.cpuRootPid, publisher.pid);
    const ladderAfter =
      after.tree.descendants.get(ladder.pid)?.cpu ??
      (ladder.pid === setup.cpuRootPid ? after.tree.root : undefined);
    const attempts = setup.ladderAttempts();
    if (attempts > 1)
      warnings.push(`the ladder ffmpeg was restarted (${attempts} processes): CPU split is unreliable`);

    await publisher.stop();
    await setup.stop();
    const observations = await watcher.stop();
    await relay.close();

    const relayTimes = relay.times();
    const firstMediaAt = relayTimes.firstMediaAt;
    const wall = (after.at - before.at) / 1000;
    const perSecond = (a: number, b: number) => (b - a) / wall;
    const total = perSecond(before.tree.total, after.tree.total);
    const root = perSecond(before.tree.root, after.tree.root);
    const ladderCpu =
      ladderBefore === undefined || ladderAfter === undefined
        ? Number.NaN
        : perSecond(ladderBefore, ladderAfter);
    const publisherCpu = perSecond(before.publisher, after.publisher);
    const harnessCpu = perSecond(before.harness, after.harness);
    const machineBusy = perSecond(before.machine.busy, after.machine.busy);
    const childrenBesidesLadder = (tree: NonNullable<typeof atPlayable>, ladderCpuNow: number | undefined) =>
      tree.total - tree.root - (ladderCpuNow ?? 0);
    const thumbnailCpuS =
      isMediaNode(setup.name) && atPlayable
        ? childrenBesidesLadder(before.tree, ladderBefore) -
          childrenBesidesLadder(atPlayable, atPlayable.descendants.get(ladder.pid)?.cpu)
        : undefined;
    const cpu: RunCpu = {
      windowSeconds: wall,
      totalPerSecond: total,
      rootPerSecond: root,
      ladderPerSecond: ladderCpu,
      otherChildrenPerSecond: isMediaNode(setup.name) ? total - root - ladderCpu : 0,
      publisherPerSecond: publisherCpu,
      harnessPerSecond: harnessCpu,
      machineBusyCores: machineBusy,
      othersCores: Math.max(0, machineBusy - total - publisherCpu - harnessCpu),
      thumbnailCpuS,
    };

    const variants: Record<string, number | undefined> = {};
    for (const v of output.variants)
      variants[v] = seconds(observations.variants[v]?.[0]?.seenAt, connectedAt);
    const milestones = setup.milestones();
    const times: RunTimes = {
      publisherSpawned: (publisher.spawnedAt - connectedAt) / 1000,
      firstMedia: seconds(firstMediaAt, connectedAt),
      accepted: seconds(milestones.acceptedAt, connectedAt),
      ladderSpawned: isMediaNode(setup.name) ? seconds(ladder.spawnedAt, connectedAt) : undefined,
      ladderConnected: seconds(ladderConnectedAt, connectedAt),
      master: seconds(observations.masterAt, connectedAt),
      variants,
      playable: (playableAt - connectedAt) / 1000,
      firstPart: seconds(observations.partsPlayableAt, connectedAt),
      nodePlayable: seconds(milestones.nodePlayableAt, connectedAt),
    };

    // Output media time 0 is the publisher's first frame only if the ladder's input began at the
    // first keyframe: certain for the listener; for StreamHub, if the ladder connected within one
    // keyframe interval of the first media (node-media-server replays the GOP cached at that moment).
    const origin = firstMediaAt;
    if (origin === undefined) warnings.push('the relay never saw the first media bytes');
    if (isMediaNode(setup.name)) {
      const connectedAfterMedia =
        ladderConnectedAt !== undefined && origin !== undefined
          ? (ladderConnectedAt - origin) / 1000
          : undefined;
      if (connectedAfterMedia === undefined)
        warnings.push(
          'the ladder connection time is unknown: segment lateness assumes it began at media time 0',
        );
      else if (connectedAfterMedia >= options.keyframeSeconds)
        warnings.push(
          `the ladder connected ${connectedAfterMedia.toFixed(2)} s after the first media, past the first keyframe interval: ` +
            'its output starts at a later keyframe, so segment lateness is overstated by a whole keyframe interval',
        );
    }
    const timings = segmentTimings(observations.variants);
    const window = { fromMs: before.at, toMs: after.at };
    const lateness = origin === undefined ? [] : segmentLateness(timings, origin, window);
    if (lateness.length === 0) warnings.push('no segment was listed during the CPU window');
    const targetDurationS = observations.targetDurationS ?? Number.NaN;
    const latenessMedian = median(lateness);
    const glassToGlass = expectedGlassToGlass({
      encoderDelayS: settings.encoderDelayS,
      segmentLatenessS: latenessMedian,
      targetDurationS,
      holdBackSegments: WATCH_PAGE_HOLD_BACK_SEGMENTS,
    });
    const mediaRate = mediaPerWallSecond(timings, window);
    if (mediaRate < 0.97)
      warnings.push(`the ladder fell behind live (${mediaRate.toFixed(2)} media s per wall s in the window)`);

    const firstSegmentFrames: Record<string, number | string> = {};
    for (const [variant, path] of Object.entries(observations.firstSegmentCopies)) {
      try {
        const probed = await probe(path);
        const video = probed.streams.find((s) => s.codec_type === 'video');
        firstSegmentFrames[variant] = Number(video?.nb_read_frames ?? 0);
      } catch (error) {
        firstSegmentFrames[variant] = `not decodable: ${(error as Error).message.split('\n')[0]}`;
      }
    }

    return {
      setup: setup.name,
      run: options.run,
      startedAt,
      loadBefore,
      loadAfter: loadAverages(),
      source: output.source,
      times,
      targetDurationS,
      mediaPerWallSecond: mediaRate,
      latenessS: {
        median: latenessMedian,
        min: Math.min(...lateness),
        max: Math.max(...lateness),
        segments: lateness.length,
      },
      segments: timings.map((t) => ({
        index: t.index,
        endS: t.endS,
        listedS: (t.listedAt - connectedAt) / 1000,
      })),
      glassToGlass,
      cpu,
      firstSegmentFrames,
      warnings,
    };
  } finally {
    await publisher.stop();
    await setup.stop();
    await watcher.stop();
    await relay.close();
  }
}
