/**
 * The JSON lines the media-node process (`node-process.ts`) prints on stdout for the orchestrator.
 * `at` is epoch ms (`Date.now()`), comparable with the orchestrator's clock on the same machine.
 */
import type { SourceInfo } from '@streamhub/media-node/ffmpeg/ladder';

export type NodeEvent =
  | {
      event: 'ready';
      at: number;
      pid: number;
      rtmpPort: number;
      liveDir: string;
      ffmpegPath: string;
      ffmpegVersion: string;
    }
  /** The gate accepted the publish; `NetStream.Publish.Start` goes to the publisher right after. */
  | { event: 'sessionStarted'; at: number; playbackId: string }
  /** The ladder ffmpeg was spawned; `source` is what the ingest read from the stream. */
  | {
      event: 'transcoderStarted';
      at: number;
      pid: number | undefined;
      attempt: number;
      source: SourceInfo | undefined;
    }
  /** The media node's own check: every variant lists a segment (`elapsedMs` from the transcoder's creation). */
  | { event: 'playable'; at: number; elapsedMs: number }
  | { event: 'transcoderFailed'; at: number; reason: string }
  | { event: 'sessionEnded'; at: number }
  | { event: 'closed'; at: number };

const EVENTS = new Set([
  'ready',
  'sessionStarted',
  'transcoderStarted',
  'playable',
  'transcoderFailed',
  'sessionEnded',
  'closed',
]);

export function parseNodeEvent(line: string): NodeEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { event, at } = value as { event?: unknown; at?: unknown };
  if (typeof event !== 'string' || !EVENTS.has(event) || typeof at !== 'number') return undefined;
  return value as NodeEvent;
}

export const printNodeEvent = (event: NodeEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};
