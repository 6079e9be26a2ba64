/**
 * What a crash leaves behind, cleaned up when the media node starts: sessions the database still calls
 * live under this node's id (their channel could never go live again), and directories of sessions
 * that ended unrecorded but whose files were never deleted (listed through the media storage). Only what the channels domain confirms is
 * over is touched: a directory it does not know, or calls live or recorded, stays.
 */
import { isPlaybackId, mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import { closePlaylists, removeSessionFiles, variantPlaylists } from './live-manager.ts';
import type { HeldSession, PublishGate } from './publish-gate.ts';

// One query per this many directories: bounded statements even on a node with a long history.
const STATE_BATCH = 500;

interface RecoveryOptions {
  gate: PublishGate;
  media: MediaStorage;
  logger: Logger;
}

/**
 * Ends every session still live under `nodeId`: nothing can be feeding them, since this node just
 * started. A recording channel's files are closed (`#EXT-X-ENDLIST`) and kept as the recording; other
 * files are deleted once the session is marked ended. Failures are logged, never thrown: the node
 * must still come up.
 */
export async function recoverHeldSessions(options: RecoveryOptions & { nodeId: string }): Promise<number> {
  const { gate, media, nodeId } = options;
  const logger = options.logger.child({ nodeId });
  let held: Awaited<ReturnType<PublishGate['heldSessions']>>;
  try {
    held = await gate.heldSessions(nodeId);
  } catch (error) {
    logger.error({ err: error }, 'could not look up sessions a previous run of this node left live');
    return 0;
  }
  let ended = 0;
  for (const session of held) {
    if (await endAbandonedSession(session, { gate, media, logger }, 'a previous run of this node'))
      ended += 1;
  }
  return ended;
}

/**
 * Ends one session nothing feeds any more (its node crashed): a recording channel's files are closed
 * (`#EXT-X-ENDLIST`) and kept as the recording, other files are deleted once the session is marked ended.
 * `leftBy` names who left it live, for the log. False (logged) when it could not be ended. Harmless when
 * another node ends the same session at the same time: the gate ends it once, the file steps repeat.
 */
export async function endAbandonedSession(
  session: HeldSession,
  options: RecoveryOptions,
  leftBy: string,
): Promise<boolean> {
  const { gate, media } = options;
  const log = options.logger.child({ sessionId: session.sessionId, playbackId: session.playbackId });
  // A playback id the node would never have written under is nothing to open or delete.
  const prefix = isPlaybackId(session.playbackId) ? mediaKeys.livePrefix(session.playbackId) : undefined;
  try {
    const recorded =
      session.record && prefix !== undefined && (await variantPlaylists(media, prefix)).length > 0;
    if (recorded && prefix) await closePlaylists(media, prefix);
    await gate.ended(session.sessionId, { recorded });
    if (!recorded && prefix) await removeSessionFiles(media, prefix, log);
    log.warn({ recorded }, `ended a session ${leftBy} left live`);
    return true;
  } catch (error) {
    log.error({ err: error }, `could not end a session ${leftBy} left live`);
    return false;
  }
}

/** Deletes the directories of sessions the channels domain says ended unrecorded; returns how many went. */
export async function sweepLeftovers(options: RecoveryOptions): Promise<number> {
  const { gate, media, logger } = options;
  const ids = (await media.listPrefixes(mediaKeys.liveRoot)).filter(isPlaybackId);
  let removed = 0;
  for (let start = 0; start < ids.length; start += STATE_BATCH) {
    const batch = ids.slice(start, start + STATE_BATCH);
    let states: Awaited<ReturnType<PublishGate['playbackStates']>>;
    try {
      states = await gate.playbackStates(batch);
    } catch (error) {
      logger.error({ err: error }, 'could not check leftover live directories; keeping them');
      return removed;
    }
    for (const id of batch) {
      if (states.get(id) !== 'ended') continue;
      const log = logger.child({ playbackId: id });
      if (await removeSessionFiles(media, mediaKeys.livePrefix(id), log)) removed += 1;
    }
  }
  if (removed > 0) logger.info({ removed }, 'deleted the files of ended, unrecorded sessions');
  return removed;
}

/**
 * Deletes one playback id's directory whatever its state: its owner is gone (account deleted), so no row
 * would ever let it be served or swept. Every node hears the request; those without the directory do nothing.
 */
export async function discardPlaybackFiles(
  options: Pick<RecoveryOptions, 'media' | 'logger'>,
  playbackId: string,
): Promise<void> {
  if (!isPlaybackId(playbackId)) return;
  const prefix = mediaKeys.livePrefix(playbackId);
  if ((await options.media.list(prefix)).length === 0) return;
  const log = options.logger.child({ playbackId });
  if (await removeSessionFiles(options.media, prefix, log))
    log.info('deleted the files of a deleted account');
}
