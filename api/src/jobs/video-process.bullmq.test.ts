/**
 * The VOD job under BullMQ on the machine's Redis: a worker killed mid-transcode is retried by another
 * and the video finishes once, with one clean output.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JOB_DEFINITIONS } from '@streamhub/contracts/jobs';
import { createBullMqJobQueue } from '@streamhub/infra/jobs/bullmq';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { closeRedisClient, connectRedisClient } from '@streamhub/infra/redis/connection';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { waitFor } from '@streamhub/media-node/testing/process-helpers';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const WORKER = join(import.meta.dirname, 'testing', 'video-worker.ts');
const prefix = randomTestPrefix('vod-jobs');
const root = mkdtempSync(join(tmpdir(), 'streamhub-vod-jobs-'));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** Running, not merely a zombie waiting for an init that may never reap it. */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
};

interface JournalEntry {
  pid: number;
  call: string;
  videoId: string;
}

describe('video.process on BullMQ', () => {
  it('retries a job whose worker was killed mid-transcode and finishes it once', async () => {
    const videoId = randomUUID();
    const outputDir = mediaPaths(root).video(videoId);
    const journal = join(root, 'journal.jsonl');
    writeFileSync(journal, '');
    mkdirSync(outputDir, { recursive: true });
    copyFileSync(
      await makeClip(join(root, 'source.mp4'), { seconds: 12, size: '640x360' }),
      mediaPaths(root).source(videoId),
    );
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      JOBS_PREFIX: prefix,
      VIDEO_ID: videoId,
      DATA_DIR: root,
      JOURNAL: journal,
    };
    const entries = () =>
      readFileSync(journal, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as JournalEntry);

    const producer = await createBullMqJobQueue(JOB_DEFINITIONS, { url: TEST_REDIS_URL, prefix });
    const jobId = `video-process-${videoId}`;
    try {
      const first = startWorker(env);
      await producer.enqueue('video.process', { videoId }, { jobId });

      // Mid-transcode: ffmpeg has written its first segments into the attempt's work directory.
      const workDir = await waitFor(
        'the first segments',
        () => {
          const dir = existsSync(outputDir)
            ? readdirSync(outputDir).find((name) => name.startsWith('.processing-'))
            : undefined;
          return (
            dir &&
            readdirSync(join(outputDir, dir)).some((name) => name.endsWith('.ts')) &&
            join(outputDir, dir)
          );
        },
        30_000,
      );
      const strayPid = Number(readFileSync(join(workDir, '.ffmpeg-pids'), 'utf8').trim().split('\n')[0]);
      first.kill('SIGKILL');
      await exited(first);
      expect(entries().map((e) => e.call)).not.toContain('ready');

      // BullMQ hands a dead worker's job on once its lock expires (30 s) and a stalled check has seen it
      // twice (30 s apart). Do now what those checks would do then: mark the job stalled, drop the lock.
      const queueKey = `${prefix}jobs:video.process`;
      const redis = await connectRedisClient({ url: TEST_REDIS_URL, name: 'test-vod-jobs' });
      try {
        await redis.del([`${queueKey}:${jobId}:lock`, `${queueKey}:stalled-check`]);
        await redis.sAdd(`${queueKey}:stalled`, jobId);

        startWorker(env);
        await waitFor('the video to be ready', () => entries().some((e) => e.call === 'ready'), 60_000);
        // BullMQ moves the job to completed once the handler has returned, a moment after `ready`.
        const completedAt = await waitFor(
          'the job in the completed set',
          async () => (await redis.zScore(`${queueKey}:completed`, jobId)) ?? undefined,
          10_000,
        );
        expect(completedAt).not.toBeNull();
      } finally {
        await closeRedisClient(redis);
      }

      const calls = entries();
      expect(calls.filter((e) => e.call === 'begin').map((e) => e.pid)).toHaveLength(2);
      expect(calls.filter((e) => e.call === 'ready')).toHaveLength(1);
      expect(calls.filter((e) => e.call === 'failed')).toHaveLength(0);
      expect(calls.find((e) => e.call === 'ready')?.pid).not.toBe(first.pid);

      // One clean output: no work directory left, six 2 s segments per rendition, nothing twice.
      const files = readdirSync(outputDir).sort();
      expect(files.filter((name) => name.startsWith('.'))).toEqual([]);
      for (const variant of ['360p', '240p']) {
        expect(files.filter((name) => name.startsWith(`${variant}-`))).toHaveLength(6);
        const playlist = readFileSync(join(outputDir, `${variant}.m3u8`), 'utf8');
        expect(playlist.match(/#EXTINF/g)).toHaveLength(6);
      }
      expect(files).toEqual(
        expect.arrayContaining(['master.m3u8', 'poster.jpg', 'storyboard.jpg', 'storyboard.vtt']),
      );
      const { stderr } = await run('ffmpeg', [
        '-v',
        'error',
        '-i',
        join(outputDir, '240p.m3u8'),
        '-f',
        'null',
        '-',
      ]);
      expect(stderr.trim()).toBe('');
      // The killed worker's ffmpeg did not outlive the retry.
      expect(isAlive(strayPid)).toBe(false);
    } finally {
      await producer.close();
    }
  }, 120_000);
});
