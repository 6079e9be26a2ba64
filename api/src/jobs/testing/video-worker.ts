/**
 * A job worker process for the crash test of `video.process`: the real BullMQ queue and handler, with an
 * in-memory processing store whose every call is appended to a journal file the test reads (the store
 * itself dies with the process; the journal does not).
 *
 *   node --import tsx api/src/jobs/testing/video-worker.ts
 *   env: REDIS_URL, JOBS_PREFIX, VIDEO_ID, DATA_DIR (the source at `vod/<VIDEO_ID>/source` in it), JOURNAL
 */
import { appendFileSync } from 'node:fs';
import { JOB_DEFINITIONS } from '@streamhub/contracts/jobs';
import { createBullMqJobQueue } from '@streamhub/infra/jobs/bullmq';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createLogger } from '@streamhub/logger/logger';
import { lazyFfmpegLocator } from '@streamhub/media-node/vod/ffmpeg-locator';
import { MemoryVideoProcessingStore } from '@streamhub/media-node/vod/testing/memory-video-processing-store';
import { createLogMailer } from '../../mail/log-mailer.ts';
import { createJobHandlers } from '../handlers.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const journal = required('JOURNAL');
const logger = createLogger({ level: 'warn', name: 'test-video-worker' });
const store = new MemoryVideoProcessingStore((call) => {
  appendFileSync(journal, `${JSON.stringify({ pid: process.pid, ...call })}\n`);
});
store.add(required('VIDEO_ID'));
const media = createMediaStorage({ dataDir: required('DATA_DIR') });

const queue = await createBullMqJobQueue(JOB_DEFINITIONS, {
  url: required('REDIS_URL'),
  prefix: required('JOBS_PREFIX'),
});
await queue.start(
  createJobHandlers({
    mailer: createLogMailer(logger),
    videos: {
      store,
      media,
      ffmpeg: lazyFfmpegLocator({ ffmpegPath: undefined }),
      logger,
      settings: { ladder: [360, 240], segmentSeconds: 2, x264Preset: 'veryfast' },
    },
  }),
);
process.stdout.write('worker ready\n');
process.once('SIGTERM', () => {
  void queue.close().then(() => process.exit(0));
});
