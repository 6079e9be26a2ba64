/** Connects the media node to the channels domain: the publish gate, and what it learns of the ingest. */
import type { Logger } from '@streamhub/logger/logger';
import type { PublishGate } from '@streamhub/media-node/live/publish-gate';
import type { MediaNode } from '@streamhub/media-node/media-node';
import type { ChannelsService } from '../domains/channels/channels.service.ts';

/**
 * The channels service as the media node's gate. Terminations come from `ChannelsService.watchTerminations`
 * (`user.suspended`, `stream.key_revoked` on the event bus): with Redis every media node hears them and
 * only the one holding the session acts.
 */
export function channelsPublishGate(channels: ChannelsService): PublishGate {
  return {
    authorize: (streamKey, { nodeId }) => channels.authorizePublish(streamKey, { nodeId }),
    ended: async (sessionId, info) => {
      await channels.endSession(sessionId, info);
    },
    heldSessions: (nodeId) => channels.heldSessions(nodeId),
    liveSessionsOfOtherNodes: (nodeId) => channels.liveSessionsOfOtherNodes(nodeId),
    playbackStates: (playbackIds) => channels.playbackStates(playbackIds),
    watchTerminations: (terminate) => channels.watchTerminations(terminate),
  };
}

/**
 * Stores the ingest's codecs and resolution on the session once its HLS is playable (the probe is done by
 * then), and its running average bitrate and keyframe interval whenever the node samples them. The whole-session average is
 * stored by `ended`.
 */
export function recordIngestDetails(node: MediaNode, channels: ChannelsService, logger: Logger): void {
  const store = (sessionId: string, info: Parameters<ChannelsService['recordIngest']>[1]) =>
    channels
      .recordIngest(sessionId, info)
      .catch((error: unknown) => logger.error({ err: error, sessionId }, 'could not store ingest details'));
  node.events.on('playable', (session) => {
    const source = session.source;
    if (!source) return;
    void store(session.sessionId, {
      videoCodec: source.videoCodec.toLowerCase(),
      audioCodec: source.audioCodec.toLowerCase(),
      width: source.width,
      height: source.height,
      fps: source.fps,
    });
  });
  node.events.on('ingestBitrate', ({ sessionId, bitrate, keyframeInterval }) => {
    void store(sessionId, { bitrate, ...(keyframeInterval === undefined ? {} : { keyframeInterval }) });
  });
}
