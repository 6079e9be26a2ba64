/** Command-line options of `run.ts`. */
import { parseArgs } from 'node:util';

export interface LiveBenchOptions {
  /** Rounds; each runs StreamHub once and the plain ffmpeg ladder once. */
  runs: number;
  seconds: number;
  settleSeconds: number;
  segmentSeconds: number;
  keyframeSeconds: number;
  videoKbps: number;
  publisherPreset: string;
  /** `replay` (encoded once, pushed with -c copy) or `live` (encoded while pushing). */
  publisher: 'replay' | 'live';
  /** Live pushes per encoder setting to measure a live encoder's start-up and delay (0: skip, assume 0). */
  encoderTries: number;
  runtime: 'node' | 'bun';
  bunPath: string;
  quietWaitSeconds: number;
  maxBusyCores: number;
  /** A run during which other processes used more cores than this is repeated… */
  maxOthersCores: number;
  /** …up to this many times. */
  retries: number;
  json: string | undefined;
  keep: boolean;
  /** Niceness of every measured process and of the orchestrator (`priority.ts`); 0: unchanged. */
  nice: number;
  /** Each round also runs the media node with LL-HLS (`--no-ll`: classic and plain ffmpeg only). */
  lowLatency: boolean;
  /** Concurrent LL-HLS viewers held by one gateway in the blocking-reload part (0: skip it). */
  llViewers: number;
  /** Seconds the LL viewers are measured. */
  llViewerSeconds: number;
}

const number = (name: string, raw: string, min: number): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`--${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
};

export function parseLiveBenchOptions(argv: string[] = process.argv.slice(2)): LiveBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '20' },
      settle: { type: 'string', default: '3' },
      'segment-seconds': { type: 'string', default: '1' },
      'keyframe-seconds': { type: 'string', default: '2' },
      bitrate: { type: 'string', default: '3000' },
      'publisher-preset': { type: 'string', default: 'veryfast' },
      publisher: { type: 'string', default: 'replay' },
      'encoder-tries': { type: 'string', default: '3' },
      runtime: { type: 'string', default: 'node' },
      bun: { type: 'string', default: 'bun' },
      'quiet-wait': { type: 'string', default: '60' },
      'max-busy': { type: 'string', default: '0.3' },
      'max-others': { type: 'string', default: '0.3' },
      retries: { type: 'string', default: '2' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      nice: { type: 'string', default: '-10' },
      'no-ll': { type: 'boolean', default: false },
      'll-viewers': { type: 'string', default: '1000' },
      'll-viewer-seconds': { type: 'string', default: '20' },
    },
    strict: true,
  });
  if (values.publisher !== 'replay' && values.publisher !== 'live')
    throw new Error(`--publisher must be replay or live, got "${values.publisher}"`);
  if (values.runtime !== 'node' && values.runtime !== 'bun')
    throw new Error(`--runtime must be node or bun, got "${values.runtime}"`);
  return {
    runs: Math.floor(number('runs', values.runs, 1)),
    seconds: number('seconds', values.seconds, 2),
    settleSeconds: number('settle', values.settle, 0),
    segmentSeconds: Math.floor(number('segment-seconds', values['segment-seconds'], 1)),
    keyframeSeconds: number('keyframe-seconds', values['keyframe-seconds'], 0.1),
    videoKbps: number('bitrate', values.bitrate, 100),
    publisherPreset: values['publisher-preset'],
    publisher: values.publisher,
    encoderTries: Math.floor(number('encoder-tries', values['encoder-tries'], 0)),
    runtime: values.runtime,
    bunPath: values.bun,
    quietWaitSeconds: number('quiet-wait', values['quiet-wait'], 0),
    maxBusyCores: number('max-busy', values['max-busy'], 0),
    maxOthersCores: number('max-others', values['max-others'], 0),
    retries: Math.floor(number('retries', values.retries, 0)),
    json: values.json,
    keep: values.keep,
    nice: Math.round(number('nice', values.nice, -20)),
    lowLatency: !values['no-ll'],
    llViewers: Math.floor(number('ll-viewers', values['ll-viewers'], 0)),
    llViewerSeconds: number('ll-viewer-seconds', values['ll-viewer-seconds'], 2),
  };
}
