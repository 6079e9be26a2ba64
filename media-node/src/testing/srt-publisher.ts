/** A real ffmpeg publishing the synthetic test stream over SRT (MPEG-TS, caller mode), as OBS does. */
import { spawn } from 'node:child_process';
import type { Publisher } from './process-helpers.ts';
import { publisherArgs } from './process-helpers.ts';

const running = new Set<Publisher>();

/**
 * `srt://127.0.0.1:<port>` with the given stream id, for `seconds` of 720p30 test pattern + tone;
 * encrypted when given SRT's `passphrase` (and `pbkeylen`, else libsrt's 16).
 */
export function startSrtPublisher(
  port: number,
  streamId: string,
  seconds: number,
  encryption?: { passphrase: string; pbkeylen?: 16 | 24 | 32 },
): Publisher {
  const url = `srt://127.0.0.1:${port}?connect_timeout=5000`;
  // The RTMP publisher's encoding, muxed as MPEG-TS (what SRT carries) instead of FLV; the stream id as the
  // protocol option `srt_streamid` (`-streamid` is ffmpeg's own option), verbatim (ffmpeg 5.1 does not percent-decode it in the URL).
  const args = publisherArgs(url, seconds).flatMap((arg) =>
    arg === 'flv'
      ? [
          ...['mpegts', '-srt_streamid', streamId],
          ...(encryption ? ['-passphrase', encryption.passphrase] : []),
          ...(encryption?.pbkeylen ? ['-pbkeylen', String(encryption.pbkeylen)] : []),
        ]
      : [arg],
  );
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const publisher: Publisher = { child, exited, stderr: () => stderr };
  running.add(publisher);
  void exited.then(() => running.delete(publisher));
  return publisher;
}

/** SIGKILLs every SRT publisher still running (afterEach). */
export function killSrtPublishers(): void {
  for (const p of running) p.child.kill('SIGKILL');
  running.clear();
}
