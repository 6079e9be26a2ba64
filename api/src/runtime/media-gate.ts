/** Connects the media node to the channels domain: the publish gate, and what it learns of the ingest. */
import type { Logger } from '@streamhub/logger/logger';
import type { PublishGate } from '@streamhub/media-node/live/publish-gate';
import type { MediaNode } from '@streamhub/media-node/media-node';
import type { ChannelsService } from '../domains/channels/channels.service.ts';

export function channelsPublishGate(channels: ChannelsService): PublishGate {
  return {
    authorize: (streamKey) => channels.authorizePublish(streamKey),
    ended: async (sessionId, info) => {
      await channels.endSession(sessionId, info);
    },
  };
}

/** Stores the ingest's codecs and resolution on the session once its HLS is playable (the probe is done by then). */
export function recordIngestDetails(node: MediaNode, channels: ChannelsService, logger: Logger): void {
  node.events.on('playable', (session) => {
    const source = session.source;
    if (!source) return;
    channels
      .recordIngest(session.sessionId, {
        videoCodec: source.videoCodec.toLowerCase(),
        audioCodec: source.audioCodec.toLowerCase(),
        width: source.width,
        height: source.height,
        fps: source.fps,
      })
      .catch((error: unknown) =>
        logger.error({ err: error, sessionId: session.sessionId }, 'could not store ingest details'),
      );
  });
}
