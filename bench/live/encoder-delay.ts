/**
 * What a live encoder adds before the first media reaches the server, measured rather than assumed
 * (the replayed publisher has none): a live OBS-like publisher pushes through the timing relay into
 * a plain `ffmpeg -listen 1 … -c copy -f null -` sink.
 *
 * - start-up: publish → first media with the encoder as configured. OBS, too, connects first and
 *   then starts its encoders, so this is what a streamer's first playable segment waits for on top
 *   of the server's time.
 * - steady-state delay: the same minus the same with `-tune zerolatency` (no look-ahead, no B-frames,
 *   no frame threads), i.e. how long the encoder holds each frame: a term of glass-to-glass.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@streamhub/infra/shared/free-port';
import { killOnExit } from '../shared/cleanup.ts';
import { median } from './latency.ts';
import { isListening } from './proc.ts';
import { type EncoderSettings, liveArgs, startPublisher } from './publisher.ts';
import { startRelay } from './relay.ts';

/** Seconds from publish to the first media of one live push (undefined if it never came). */
async function firstMediaOfLivePush(
  ffmpegPath: string,
  encoder: EncoderSettings,
): Promise<number | undefined> {
  const port = await freePort();
  const sink = spawn(
    ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-listen',
      '1',
      '-i',
      `rtmp://127.0.0.1:${port}/live/calibration`,
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'null',
      '-',
    ],
    { stdio: 'ignore' },
  );
  killOnExit(sink);
  const relay = await startRelay(port);
  try {
    const deadline = Date.now() + 20_000;
    while (!isListening(port) && Date.now() < deadline) await sleep(20);
    const publisher = startPublisher(`rtmp://127.0.0.1:${relay.port}/live/calibration`, {
      ffmpegPath,
      args: (url) => liveArgs(encoder, url),
    });
    try {
      const until = Date.now() + 15_000;
      while (
        relay.times().firstMediaAt === undefined &&
        Date.now() < until &&
        publisher.child.exitCode === null
      )
        await sleep(10);
    } finally {
      await publisher.stop();
    }
    const { connectedAt, firstMediaAt } = relay.times();
    return connectedAt === undefined || firstMediaAt === undefined
      ? undefined
      : (firstMediaAt - connectedAt) / 1000;
  } finally {
    await relay.close();
    sink.kill('SIGKILL');
  }
}

export interface LiveEncoderDelay {
  /** Publish → first media with the encoder as configured (median of the tries). */
  startUpS: number;
  /** The same with `-tune zerolatency`. */
  zeroLatencyStartUpS: number;
  /** The difference: how long the configured encoder holds a frame in steady state (≥ 0). */
  delayS: number;
  tries: number;
}

export async function measureLiveEncoderDelay(
  ffmpegPath: string,
  encoder: EncoderSettings,
  tries: number,
): Promise<LiveEncoderDelay> {
  const usual: number[] = [];
  const zero: number[] = [];
  // Alternate, so that a busier moment does not land on one side only.
  for (let i = 0; i < tries; i++) {
    const a = await firstMediaOfLivePush(ffmpegPath, encoder);
    const b = await firstMediaOfLivePush(ffmpegPath, { ...encoder, x264Tune: 'zerolatency' });
    if (a !== undefined) usual.push(a);
    if (b !== undefined) zero.push(b);
  }
  const startUpS = median(usual);
  const zeroLatencyStartUpS = median(zero);
  return { startUpS, zeroLatencyStartUpS, delayS: Math.max(0, startUpS - zeroLatencyStartUpS), tries };
}
