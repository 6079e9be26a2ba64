/** The ingest wrapper against a real ffmpeg publisher, with a gate that takes its time. */
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { killPublishers, startPublisher, waitFor } from '../testing/process-helpers.ts';
import { type PublishDecision, type RtmpIngest, startRtmpIngest, streamKeyFrom } from './rtmp-ingest.ts';

let ingest: RtmpIngest | undefined;

afterEach(async () => {
  killPublishers();
  await ingest?.close();
  ingest = undefined;
});

async function start(decide: (key: string) => PublishDecision, delayMs: number) {
  const calls = { requested: [] as string[], started: [] as string[], ended: [] as string[] };
  ingest = await startRtmpIngest({
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'silent', name: 'media' }),
    handlers: {
      async publishRequested(req) {
        calls.requested.push(req.streamKey);
        await new Promise((r) => setTimeout(r, delayMs));
        return decide(req.streamKey);
      },
      publishStarted: (id) => calls.started.push(id),
      publishEnded: (id) => calls.ended.push(id),
    },
  });
  return { ingest, calls };
}

describe('rtmp ingest (node-media-server 2.7.4)', () => {
  it('holds Publish.Start until a slow gate accepts, reports media info, then the end', async () => {
    const { ingest: node, calls } = await start(() => ({ accept: true }), 400);
    const publisher = startPublisher(`rtmp://127.0.0.1:${node.port}/live/abcDEF123_-`, 2);
    const id = await waitFor('publishStarted', () => calls.started[0]);
    expect(calls.requested).toEqual(['abcDEF123_-']);
    const info = await node.mediaInfo(id, 5000);
    expect(info).toMatchObject({
      width: 1280,
      height: 720,
      fps: 30,
      hasAudio: true,
      videoCodec: 'H264',
      audioCodec: 'AAC',
    });
    expect(await publisher.exited).toBe(0);
    await waitFor('publishEnded', () => calls.ended.length === 1);
    expect(calls.ended).toEqual([id]);
  });

  it('a refusal after a slow check disconnects the publisher before Publish.Start', async () => {
    const { ingest: node, calls } = await start(() => ({ accept: false, reason: 'nope' }), 300);
    const publisher = startPublisher(`rtmp://127.0.0.1:${node.port}/live/somekey123`, 3);
    expect(await publisher.exited).not.toBe(0);
    expect(calls.requested).toEqual(['somekey123']);
    expect(calls.started).toEqual([]);
    expect(calls.ended).toEqual([]);
  });

  it('reports the end when the publisher is SIGKILLed', async () => {
    const { ingest: node, calls } = await start(() => ({ accept: true }), 0);
    const publisher = startPublisher(`rtmp://127.0.0.1:${node.port}/live/killme12345`, 20);
    await waitFor('publishStarted', () => calls.started[0]);
    publisher.child.kill('SIGKILL');
    await waitFor('publishEnded', () => calls.ended.length === 1);
  });

  it('fails to start on a port in use, naming the error', async () => {
    const { ingest: node } = await start(() => ({ accept: true }), 0);
    await expect(
      startRtmpIngest({
        port: node.port,
        host: '127.0.0.1',
        logger: createLogger({ level: 'silent', name: 'media' }),
        handlers: {
          publishRequested: async () => ({ accept: true }),
          publishStarted: () => undefined,
          publishEnded: () => undefined,
        },
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it('accepts only /live/<key> with a safe key', () => {
    expect(streamKeyFrom('live', 'abc_DEF-123?x=1')).toBe('abc_DEF-123');
    expect(streamKeyFrom('other', 'abc')).toBeUndefined();
    expect(streamKeyFrom('live', '../etc')).toBeUndefined();
    expect(streamKeyFrom('live', '')).toBeUndefined();
  });
});
