/**
 * A process that starts real ffmpeg work, says so with one JSON line on stdout, and waits to be killed:
 * the subject of the parent-death tests (`ffmpeg/spawn.test.ts`). Run with `node --import tsx`.
 *
 * - `vod <outputDir>`: a real-time transcode through the VOD runner into `<outputDir>`;
 * - `ladder <outputDir>`: the live ladder through the live runner, from a real-time test source;
 * - `unguarded <outputDir>`: a short transcode, then whether children are guarded; the warning about a
 *   missing setpriv goes to stdout (the test runs this one with a PATH without setpriv).
 */
import { join } from 'node:path';
import { createLogger } from '@streamhub/logger/logger';
import { buildLiveHlsInvocation } from '../ffmpeg/ladder.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { hasParentDeathGuard, warnIfUnguarded } from '../ffmpeg/spawn.ts';
import { runToCompletion } from '../vod/ffmpeg-process.ts';

const [mode, dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: ffmpeg-holder vod|ladder|unguarded <dir>');

const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

const transcodeArgs = (seconds: number, output: string) => [
  '-hide_banner',
  '-loglevel',
  'error',
  '-re',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=320x180:rate=15:duration=${seconds}`,
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-g',
  '15',
  '-f',
  'hls',
  '-hls_time',
  '1',
  '-y',
  output,
];

if (mode === 'vod') {
  await runToCompletion('ffmpeg', transcodeArgs(600, join(dir, 'index.m3u8')), {
    onSpawn: (pid) => say({ ffmpegPid: pid }),
  });
} else if (mode === 'unguarded') {
  const logger = createLogger({ level: 'warn', name: 'holder' });
  warnIfUnguarded(logger);
  await runToCompletion(
    'ffmpeg',
    transcodeArgs(1, join(dir, 'index.m3u8')).filter((a) => a !== '-re'),
  );
  warnIfUnguarded(logger);
  logger.flush();
  say({ guarded: hasParentDeathGuard(), transcoded: true });
} else if (mode === 'ladder') {
  // The live ladder's own arguments and runner, fed by a real-time test source instead of RTMP: a
  // publisher's connection would drop with a killed node and end ffmpeg by itself, proving nothing.
  const invocation = buildLiveHlsInvocation({
    input: 'testsrc2=size=640x360:rate=30',
    outputDir: dir,
    source: { width: 640, height: 360, fps: 30, hasAudio: false },
    settings: { ladder: [360, 240], segmentSeconds: 1, windowSegments: 6, x264Preset: 'ultrafast' },
    record: false,
    append: false,
  });
  const ladder = runFfmpeg('ffmpeg', {
    ...invocation,
    inputOptions: [...invocation.inputOptions, '-re', '-f', 'lavfi'],
  });
  say({ ffmpegPid: await ladder.spawned });
  await ladder.exited;
} else {
  throw new Error(`unknown mode ${mode}`);
}
