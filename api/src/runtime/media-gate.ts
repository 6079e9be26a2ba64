/** Connects the media node's publish gate to the channels domain. */
import type { PublishGate } from '@streamhub/media-node/live/publish-gate';
import type { ChannelsService } from '../domains/channels/channels.service.ts';

export function channelsPublishGate(channels: ChannelsService): PublishGate {
  return {
    authorize: (streamKey) => channels.authorizePublish(streamKey),
    ended: async (sessionId, info) => {
      await channels.endSession(sessionId, info);
    },
  };
}
