/**
 * The StreamHub side of the benchmark, in its own process so that its CPU can be read from /proc:
 * the real media node (`startMediaNode`: node-media-server ingest, publish gate, LiveTranscoder with
 * the default ladder, live thumbnails) with an in-memory publish gate that knows one stream key.
 * Prints {@link NodeEvent} lines; SIGTERM closes the node and exits.
 *
 *   node --import tsx bench/live/node-process.ts --data-dir <dir> --key <stream key> --segment-seconds 1 [--low-latency]
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { startMediaNode } from '@streamhub/media-node/media-node';
import { InMemoryPublishGate } from '@streamhub/media-node/testing/in-memory-publish-gate';
import { benchConfig } from './media-config.ts';
import { printNodeEvent } from './node-events.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    key: { type: 'string' },
    'segment-seconds': { type: 'string', default: '1' },
    'low-latency': { type: 'boolean', default: false },
  },
  strict: true,
});
const dataDir = values['data-dir'];
const key = values.key;
if (!dataDir || !key) throw new Error('--data-dir and --key are required');

const config = benchConfig({
  dataDir,
  segmentSeconds: Number(values['segment-seconds']),
  lowLatency: values['low-latency'],
});
// Production logs JSON lines at info; they go to a file here so stdout carries only events.
const logger = createLogger({
  level: config.logLevel,
  name: 'media',
  destination: createWriteStream(join(dataDir, 'media-node.log')),
});
const gate = new InMemoryPublishGate();
gate.addKey({ key });

const media = createMediaStorage({ dataDir: config.dataDir });
const node = await startMediaNode({ config, logger, gate, media });
const now = () => Date.now();
node.events.on('sessionStarted', (s) =>
  printNodeEvent({ event: 'sessionStarted', at: now(), playbackId: s.playbackId }),
);
node.events.on('transcoderStarted', (s) =>
  printNodeEvent({
    event: 'transcoderStarted',
    at: now(),
    pid: s.pid,
    attempt: s.attempt,
    source: s.source && {
      width: s.source.width,
      height: s.source.height,
      fps: s.source.fps,
      hasAudio: s.source.hasAudio,
    },
  }),
);
node.events.on('playable', (s) => printNodeEvent({ event: 'playable', at: now(), elapsedMs: s.elapsedMs }));
node.events.on('transcoderFailed', (s) =>
  printNodeEvent({ event: 'transcoderFailed', at: now(), reason: s.reason }),
);
node.events.on('sessionEnded', () => printNodeEvent({ event: 'sessionEnded', at: now() }));

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await node.close();
  printNodeEvent({ event: 'closed', at: now() });
  logger.flush();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());

printNodeEvent({
  event: 'ready',
  at: now(),
  pid: process.pid,
  rtmpPort: node.rtmpPort,
  liveDir: mediaPaths(config.dataDir).collection('live'),
  ffmpegPath: node.ffmpeg.path,
  ffmpegVersion: node.ffmpeg.version,
});
