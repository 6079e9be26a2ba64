/**
 * Ephemeral notices from media nodes to gateways: a live rendition's LL-HLS playlist in the media storage
 * names a new part. Gateways that do not share the media node's files hold blocking playlist reloads
 * until one arrives (docs/live.md, "Low-Latency HLS"). A bus of its own, apart from DOMAIN_EVENTS: these
 * go out several times a second per rendition and nothing durable hangs on them.
 */
import { z } from 'zod';

export const LivePlaylistUpdatedSchema = z.object({
  playbackId: z.string().min(1).max(64),
  /** The rendition's name: its playlist is `<rendition>.m3u8`. */
  rendition: z.string().min(1).max(64),
  /** The last complete segment (-1: none yet). */
  lastMsn: z.number().int().min(-1),
  /** The newest part listed. */
  lastPart: z.object({ msn: z.number().int().min(0), index: z.number().int().min(0) }).optional(),
});

export const LIVE_PLAYLIST_EVENTS = {
  'live.playlist_updated': LivePlaylistUpdatedSchema,
} as const;

export type LivePlaylistEvents = typeof LIVE_PLAYLIST_EVENTS;
export type LivePlaylistUpdated = z.output<typeof LivePlaylistUpdatedSchema>;
