/**
 * The ffmpeg invocation of a low-latency ladder: the same one-decode encode as the classic ladder
 * (`oneDecodeLadderArgs`), but each rung is its own fragmented MP4 output with one fragment per frame,
 * streamed to the packager's socket for that rung. The packager (`rendition-packager.ts`) cuts parts and
 * segments from the fragments, since FFmpeg 5.1's hls muxer cannot write `EXT-X-PART`. Pure.
 */
import {
  type FfmpegInvocation,
  gopFrames,
  type LadderSettings,
  oneDecodeLadderArgs,
  planRungs,
  type Rung,
  type SourceInfo,
} from '../../ffmpeg/ladder.ts';

export interface LlLadderInput {
  input: string;
  source: SourceInfo;
  settings: LadderSettings;
  /** Where each rung's fMP4 goes (`tcp://127.0.0.1:<port>`), by rung name. */
  outputs: ReadonlyMap<string, string>;
}

/**
 * `empty_moov`: the init section goes out at once. `default_base_moof`: CMAF-style offsets. `skip_trailer`:
 * no `mfra` after the last fragment. No `frag_every_frame`: FFmpeg 5.1's mov muxer then flushes a fragment
 * before every packet, also when that packet's track has nothing pending, and writes the pending audio
 * sample with a duration of 0 and the next one at the same decode time (every third AAC frame or so, from
 * an RTMP source): browsers' MSE then buffers a few frames per segment and hls.js stalls on the holes
 * (watch-ll.browser.test's rewind ran into them). `frag_duration` of 1 µs instead flushes as soon as the
 * arriving packet's own track has a sample pending, so each fragment holds one frame (with the audio that
 * came with it) and every duration is known when it is written.
 */
export const FMP4_MOVFLAGS = '+empty_moov+default_base_moof+skip_trailer';

function fmp4Output(target: string): string[] {
  // A fragment per frame, written and flushed at once; Nagle's algorithm would only hold small writes back.
  return [
    ...['-f', 'mp4', '-movflags', FMP4_MOVFLAGS, '-frag_duration', '1'],
    ...['-flush_packets', '1', '-tcp_nodelay', '1', target],
  ];
}

function targetOf(outputs: ReadonlyMap<string, string>, rung: Rung): string {
  const target = outputs.get(rung.name);
  if (!target) throw new Error(`No packager output for rung ${rung.name}`);
  return target;
}

export function buildLlLadderInvocation(input: LlLadderInput): FfmpegInvocation {
  const { source, settings } = input;
  const rungs = planRungs(source, settings.ladder);
  const inputOptions = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-analyzeduration', '500000'];
  const args: string[] = [];
  if (settings.ladder === 'passthrough') {
    const [rung] = rungs as [Rung];
    args.push('-map', '0:v:0');
    if (source.hasAudio) args.push('-map', '0:a:0');
    // An ADTS AAC source (MPEG-TS over SRT) must become an MP4 AudioSpecificConfig to be copied into fMP4.
    args.push('-c', 'copy');
    if (source.hasAudio) args.push('-bsf:a', 'aac_adtstoasc');
    args.push(...fmp4Output(targetOf(input.outputs, rung)));
  } else {
    // One decode, split to every rung; then one output per rung, each mapping its own scaled video.
    const shared = oneDecodeLadderArgs({
      rungs,
      hasAudio: source.hasAudio,
      videoInput: '[0:v]',
      preset: settings.x264Preset,
      tune: 'zerolatency',
      profile: 'main',
      gop: gopFrames(source, settings.segmentSeconds),
      keyframeSeconds: settings.segmentSeconds,
    });
    const filter = shared[shared.indexOf('-filter_complex') + 1] as string;
    args.push('-filter_complex', filter);
    rungs.forEach((rung, i) => {
      args.push('-map', `[v${i}]`);
      if (source.hasAudio) args.push('-map', '0:a:0');
      args.push(...perOutputCodecArgs(shared, i, source.hasAudio));
      args.push(...fmp4Output(targetOf(input.outputs, rung)));
    });
  }
  // fluent-ffmpeg takes one output: every output but the last rides in the options, in order.
  const last = args.pop() as string;
  return { inputOptions, input: input.input, outputOptions: args, output: last };
}

/**
 * The codec options of the shared ladder rewritten for output `i` alone: the common x264 and AAC options,
 * and the rung's own bitrates (`-b:v:i` becomes `-b:v` in its own output).
 */
function perOutputCodecArgs(shared: string[], i: number, hasAudio: boolean): string[] {
  const out: string[] = [];
  const common = [
    '-c:v',
    '-preset',
    '-tune',
    '-profile:v',
    '-pix_fmt',
    '-g',
    '-keyint_min',
    '-sc_threshold',
    '-force_key_frames',
  ];
  if (hasAudio) common.push('-c:a', '-ac', '-ar');
  for (const flag of common) {
    const at = shared.indexOf(flag);
    if (at >= 0) out.push(flag, shared[at + 1] as string);
  }
  for (const flag of ['-b:v', '-maxrate:v', '-bufsize:v', ...(hasAudio ? ['-b:a'] : [])]) {
    const at = shared.indexOf(`${flag}:${i}`);
    if (at >= 0) out.push(flag, shared[at + 1] as string);
  }
  return out;
}
