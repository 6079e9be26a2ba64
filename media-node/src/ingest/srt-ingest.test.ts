/**
 * The SRT front against real ffmpeg callers: the stream id is checked before any relay starts, a
 * refused caller gets an SRT rejection, an accepted one reaches the node's RTMP ingest through its
 * relay, and the live manager's view (media info, bytes, end) is read under the SRT connection's id.
 */
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { processesNaming, waitFor } from '../testing/process-helpers.ts';
import { killSrtPublishers, startSrtPublisher } from '../testing/srt-publisher.ts';
import { IngestRouter } from './ingest-router.ts';
import { type PublishDecision, startRtmpIngest } from './rtmp-ingest.ts';
import { relayArgs, startSrtIngest } from './srt-ingest.ts';

let router: IngestRouter | undefined;

afterEach(async () => {
  killSrtPublishers();
  await router?.close();
  router = undefined;
});

async function start(decide: (key: string) => PublishDecision) {
  const calls = { requested: [] as string[], started: [] as string[], ended: [] as string[] };
  const logger = createLogger({ level: 'silent', name: 'media' });
  const manager = {
    async publishRequested(req: { streamKey: string }) {
      calls.requested.push(req.streamKey);
      return decide(req.streamKey);
    },
    publishStarted: (id: string) => calls.started.push(id),
    publishEnded: (id: string) => calls.ended.push(id),
  };
  const ingest = new IngestRouter(manager);
  router = ingest;
  const rtmp = await startRtmpIngest({ port: 0, host: '127.0.0.1', logger, handlers: ingest });
  ingest.attachRtmp(rtmp);
  const srt = await startSrtIngest({
    port: 0,
    host: '127.0.0.1',
    ffmpegPath: 'ffmpeg',
    rtmpPort: rtmp.port,
    handlers: manager,
    logger,
  });
  ingest.attachSrt(srt);
  return { ingest, srt, calls };
}

describe('srt ingest (UDP front + ffmpeg relay)', () => {
  it('accepts a good stream id, relays the media into RTMP, and reports the end under the SRT id', async () => {
    const { ingest, srt, calls } = await start(() => ({ accept: true }));
    const publisher = startSrtPublisher(srt.port, '#!::r=live/goodKey_123,m=publish', 8);
    const id = await waitFor('publishStarted', () => calls.started[0]);
    expect(id).toMatch(/^srt-\d+$/);
    expect(calls.requested).toEqual(['goodKey_123']);
    const info = await ingest.mediaInfo(id, 5000);
    expect(info).toMatchObject({ width: 1280, height: 720, hasAudio: true, videoCodec: 'H264' });
    expect(ingest.localUrl(id)).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]{24}$/);
    // The key is in no process's arguments: the relay publishes under a one-time name.
    expect(processesNaming('goodKey_123').filter((pid) => pid !== publisher.child.pid)).toEqual([]);
    expect(await publisher.exited).toBe(0);
    await waitFor('publishEnded', () => calls.ended.length === 1);
    expect(calls.ended).toEqual([id]);
  }, 30_000);

  it('refuses a bad stream id with an SRT rejection before any relay starts', async () => {
    const { srt, calls } = await start((key) =>
      key === 'goodKey_123' ? { accept: true } : { accept: false, reason: 'unknown stream key' },
    );
    const startedAt = Date.now();
    const publisher = startSrtPublisher(srt.port, '#!::r=live/badKey_456,m=publish', 3);
    expect(await publisher.exited).not.toBe(0);
    // Rejected in the handshake, not left to time out (connect_timeout is 5 s).
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(publisher.stderr()).toMatch(/reject/i);
    expect(calls.requested).toEqual(['badKey_456']);
    expect(calls.started).toEqual([]);
    expect(calls.ended).toEqual([]);
    expect(processesNaming(`srt://127.0.0.1:`).filter((pid) => pid !== publisher.child.pid)).toEqual([]);
  }, 30_000);

  it('refuses a stream id that asks to play, or names no key, without asking the gate', async () => {
    const { srt, calls } = await start(() => ({ accept: true }));
    const player = startSrtPublisher(srt.port, '#!::r=live/goodKey_123,m=request', 2);
    expect(await player.exited).not.toBe(0);
    const empty = startSrtPublisher(srt.port, '../../etc', 2);
    expect(await empty.exited).not.toBe(0);
    expect(calls.requested).toEqual([]);
  }, 30_000);

  it('a plain key as stream id works too, and disconnect cuts the caller', async () => {
    const { ingest, srt, calls } = await start(() => ({ accept: true }));
    const publisher = startSrtPublisher(srt.port, 'plainKey789', 30);
    const id = await waitFor('publishStarted', () => calls.started[0]);
    expect(calls.requested).toEqual(['plainKey789']);
    await waitFor('bytes from the caller', () => (ingest.bytesReceived(id) ?? 0) > 100_000);
    expect(ingest.disconnect(id)).toBe(true);
    await waitFor('publishEnded', () => calls.ended.length === 1);
    expect(await publisher.exited).not.toBe(0);
  }, 30_000);

  it('the relay runs ffmpeg as a loopback SRT listener remuxing into RTMP', () => {
    expect(relayArgs(4000, 1935, 'n4me')).toEqual(
      expect.arrayContaining([
        'srt://127.0.0.1:4000?mode=listener',
        'copy',
        'rtmp://127.0.0.1:1935/live/n4me',
      ]),
    );
  });
});
