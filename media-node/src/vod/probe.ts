/**
 * What a media file really is, asked of ffprobe (never of its name or declared type): the container,
 * the duration and the first decodable video and audio streams. Used to accept uploads and to plan
 * the VOD ladder.
 */
import { execTool } from '../ffmpeg/spawn.ts';

export interface MediaProbe {
  /** ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  /** 0 when neither the container nor the video stream states a duration. */
  durationMs: number;
  /** `width`×`height` as displayed: a stream rotated by a quarter turn reports them swapped. */
  video: { codec: string; width: number; height: number; fps: number } | undefined;
  audio: { codec: string } | undefined;
}

/** The file is not a video ffmpeg can use; `message` is meant for the file's owner. */
export class NotAVideoError extends Error {
  override name = 'NotAVideoError';
}

export const NOT_A_VIDEO_REASON = 'The file has no video stream ffmpeg can decode';
export const STILL_IMAGE_REASON = 'The file is a still image, not a video';

// ffmpeg opens pictures too, as one-frame "video": `image2` (by extension) or a `<codec>_pipe` demuxer
// (by content, e.g. `png_pipe`). Animated GIF has its own demuxer and stays accepted.
const isStillImageFormat = (formatName: string) => formatName === 'image2' || formatName.endsWith('_pipe');

export interface ProbeOptions {
  /** Defaults to 30 s: a probe reads headers only, so anything slower is a stuck process. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// ffprobe's JSON is loose (numbers as strings, fields missing per codec): read only what we use, and
// only when it has the expected type. (Hand-read rather than zod: media-node does not depend on zod.)
interface ProbedStream {
  codecType: string | undefined;
  codecName: string | undefined;
  width: number;
  height: number;
  avgFrameRate: string | undefined;
  rFrameRate: string | undefined;
  duration: string | undefined;
  attachedPic: boolean;
  /** Degrees the player turns the picture (phones record portrait as rotated landscape). */
  rotation: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function rotationOf(raw: Json): number {
  const sideData = Array.isArray(raw.side_data_list) ? raw.side_data_list.filter(isObject) : [];
  const matrix = sideData.find((entry) => typeof entry.rotation === 'number');
  if (matrix) return num(matrix.rotation);
  const tags = isObject(raw.tags) ? raw.tags : {};
  return Number(str(tags.rotate) ?? 0) || 0;
}

function readStream(raw: Json): ProbedStream {
  const disposition = isObject(raw.disposition) ? raw.disposition : {};
  return {
    codecType: str(raw.codec_type),
    codecName: str(raw.codec_name),
    width: num(raw.width),
    height: num(raw.height),
    avgFrameRate: str(raw.avg_frame_rate),
    rFrameRate: str(raw.r_frame_rate),
    duration: str(raw.duration),
    attachedPic: disposition.attached_pic === 1,
    rotation: rotationOf(raw),
  };
}

/** `30000/1001` → 29.97; `0/0` or garbage → 0. */
export function parseFrameRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  const value = den === undefined ? num : den > 0 ? num / den : 0;
  return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) / 1000 : 0;
}

function secondsToMs(value: string | undefined): number | undefined {
  const seconds = Number(value);
  return value !== undefined && Number.isFinite(seconds) && seconds > 0
    ? Math.round(seconds * 1000)
    : undefined;
}

// Cover art in audio files is a one-frame "video" stream marked as an attached picture: not a video.
function isDecodableVideo(stream: ProbedStream): boolean {
  return (
    stream.codecType === 'video' &&
    stream.codecName !== undefined &&
    stream.codecName !== 'none' &&
    stream.width > 0 &&
    stream.height > 0 &&
    !stream.attachedPic
  );
}

/** Turns ffprobe's JSON into a {@link MediaProbe}; throws {@link NotAVideoError} when there is no usable video. */
export function interpretProbe(json: unknown): MediaProbe {
  if (!isObject(json)) throw new NotAVideoError(NOT_A_VIDEO_REASON);
  const streams = (Array.isArray(json.streams) ? json.streams : []).filter(isObject).map(readStream);
  const format = isObject(json.format) ? json.format : {};
  const video = streams.find(isDecodableVideo);
  if (!video) throw new NotAVideoError(NOT_A_VIDEO_REASON);
  const formatName = str(format.format_name) ?? 'unknown';
  if (isStillImageFormat(formatName)) throw new NotAVideoError(STILL_IMAGE_REASON);
  const audio = streams.find((s) => s.codecType === 'audio' && s.codecName !== undefined);
  // ffmpeg turns rotated video upright while decoding, so report the size the viewer sees.
  const quarterTurn = Math.abs(Math.round(video.rotation / 90)) % 2 === 1;
  return {
    formatName,
    durationMs: secondsToMs(str(format.duration)) ?? secondsToMs(video.duration) ?? 0,
    video: {
      codec: video.codecName ?? 'unknown',
      width: quarterTurn ? video.height : video.width,
      height: quarterTurn ? video.width : video.height,
      fps: parseFrameRate(video.avgFrameRate) || parseFrameRate(video.rFrameRate),
    },
    audio: audio ? { codec: audio.codecName ?? 'unknown' } : undefined,
  };
}

/**
 * Probes `file` with ffprobe. Throws {@link NotAVideoError} when ffprobe cannot read the file or finds
 * no decodable video stream; other failures (ffprobe missing, timeout, abort) are plain errors, since
 * they say nothing about the file.
 */
export function probeMedia(
  ffprobePath: string,
  file: string,
  options: ProbeOptions = {},
): Promise<MediaProbe> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', file];
  return new Promise((resolve, reject) => {
    execTool(
      ffprobePath,
      args,
      { timeout: options.timeoutMs ?? 30_000, signal: options.signal, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const exec = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          // Exit code 1 with a message means ffprobe ran and could not make sense of the file.
          if (typeof exec.code === 'number' && !exec.killed) {
            reject(new NotAVideoError(NOT_A_VIDEO_REASON, { cause: new Error(stderr.trim().slice(-500)) }));
            return;
          }
          if (exec.name === 'AbortError') reject(error);
          else if (exec.killed)
            reject(new Error(`ffprobe did not answer within ${options.timeoutMs ?? 30_000} ms`));
          else
            reject(
              new Error(`ffprobe could not be run (${ffprobePath}): ${error.message}`, { cause: error }),
            );
          return;
        }
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          reject(new NotAVideoError(NOT_A_VIDEO_REASON));
          return;
        }
        try {
          resolve(interpretProbe(json));
        } catch (interpretError) {
          reject(interpretError);
        }
      },
    );
  });
}
