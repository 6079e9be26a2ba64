/**
 * The LL-HLS packager's own CPU per second of media, apart from ffmpeg and from the machine's load:
 * the LL ladder's real ffmpeg argv encodes `--seconds` of a synthetic 720p30 source once into one
 * fragmented MP4 file per rung; then, for each part target, the real `LadderPackager` (box splitting,
 * part cutting, part, segment and playlist files, announcements) takes those bytes from its sockets as
 * fast as they come, and the CPU this process used meanwhile is divided by the seconds of media.
 *
 * `node --import tsx bench/live/packager-cpu.ts --seconds 20 --part-ms 334,201`
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { createLogger } from '@streamhub/logger/logger';
import { type LadderSettings, planRungs, type SourceInfo } from '@streamhub/media-node/ffmpeg/ladder';
import { LadderPackager } from '@streamhub/media-node/live/llhls/ladder-packager';
import { buildLlLadderInvocation } from '@streamhub/media-node/live/llhls/ll-ladder';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'part-ms': { type: 'string', default: '334,201' },
    repeats: { type: 'string', default: '3' },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const partTargets = (values['part-ms'] ?? '').split(',').map((ms) => Number(ms) / 1000);
const repeats = Number(values.repeats);

const source: SourceInfo = { width: 1280, height: 720, fps: 30, hasAudio: true };
const settings: LadderSettings = {
  ladder: [720, 480, 360],
  segmentSeconds: 1,
  windowSegments: 6,
  x264Preset: 'ultrafast',
};
const rungs = planRungs(source, settings.ladder);
const work = mkdtempSync(join(tmpdir(), 'streamhub-packager-cpu-'));

/** Each rung's fMP4 exactly as the LL ladder writes it (a fragment per frame), encoded once. */
async function encodeRungs(): Promise<Map<string, Buffer>> {
  const files = new Map(rungs.map((r) => [r.name, join(work, `${r.name}.mp4`)]));
  const invocation = buildLlLadderInvocation({ input: 'unused', source, settings, outputs: files });
  const graph = 'testsrc2=size=1280x720:rate=30[out0];sine=frequency=440:sample_rate=48000[out1]';
  await run('ffmpeg', [
    ...invocation.inputOptions,
    '-t',
    String(seconds),
    '-f',
    'lavfi',
    '-i',
    graph,
    // A file is not a socket: the TCP option would be refused.
    ...invocation.outputOptions.filter((a, i, all) => a !== '-tcp_nodelay' && all[i - 1] !== '-tcp_nodelay'),
    '-y',
    invocation.output,
  ]);
  return new Map(
    await Promise.all(rungs.map(async (r) => [r.name, await readFile(files.get(r.name) ?? '')] as const)),
  );
}

/** CPU seconds this process spends packaging `bytes` of every rung at `partTarget`. */
async function packagerCpu(bytes: Map<string, Buffer>, partTarget: number, round: number): Promise<number> {
  const media = new FilesystemMediaStorage({ dataDir: join(work, `data-${partTarget}-${round}`) });
  const dir = await media.localDirectory(mediaKeys.livePrefix(`packager-cpu-${round}`));
  const packager = new LadderPackager({
    rungs,
    hasAudio: true,
    segmentSeconds: settings.segmentSeconds,
    record: false,
    media,
    dir,
    partTargetSeconds: partTarget,
    windowSeconds: 30,
    logger: createLogger({ name: 'packager-cpu', level: 'silent' }),
  });
  const outputs = await packager.start(false);
  packager.expectRun();
  const before = process.cpuUsage();
  await Promise.all(
    rungs.map(
      (r) =>
        new Promise<void>((resolve, reject) => {
          const { port } = new URL(outputs.get(r.name) ?? '');
          const socket = connect(Number(port), '127.0.0.1', () =>
            socket.end(bytes.get(r.name) ?? Buffer.alloc(0)),
          );
          socket.on('close', () => resolve());
          socket.on('error', reject);
        }),
    ),
  );
  // The packager's side of each connection closes a moment after ours: then its last files are queued.
  await sleep(100);
  await packager.close();
  const used = process.cpuUsage(before);
  await dir.release();
  return (used.user + used.system) / 1e6;
}

const bytes = await encodeRungs();
const results: Record<string, number[]> = {};
// Alternate the part targets, so that a busier moment does not land on one side only.
for (let round = 0; round < repeats; round++) {
  for (const partTarget of partTargets) {
    const cpu = await packagerCpu(bytes, partTarget, round);
    const runs = results[String(partTarget)] ?? [];
    runs.push(cpu / seconds);
    results[String(partTarget)] = runs;
  }
}
await rm(work, { recursive: true, force: true });
for (const [partTarget, perSecond] of Object.entries(results)) {
  const sorted = [...perSecond].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  process.stdout.write(
    `part target ${partTarget} s, ${rungs.length} rungs: packager ${median.toFixed(4)} CPU-s per s of media (runs ${perSecond.map((v) => v.toFixed(4)).join(', ')})\n`,
  );
}
