/**
 * `streamhub serve media`: RTMP ingest and the live HLS ladder without the HTTP gateway. It shares the
 * database and event bus with the gateways, which serve the HLS it writes (shared media directory).
 */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import { ChannelsRepository } from '../domains/channels/channels.repository.ts';
import { ChannelsService } from '../domains/channels/channels.service.ts';
import { openBackends } from './backends.ts';
import { channelsPublishGate, recordIngestDetails } from './media-gate.ts';

export async function startMediaRuntime(config: Config, logger: Logger): Promise<MediaNode> {
  const backends = await openBackends(config, logger, { migrate: false });
  try {
    const channels = new ChannelsService({
      channels: new ChannelsRepository(backends.database.db),
      events: backends.events,
      publicUrl: config.publicUrl,
    });
    const node = await startMediaNode({ config, logger, gate: channelsPublishGate(channels) });
    recordIngestDetails(node, channels, logger);
    return {
      ...node,
      close: async () => {
        await node.close();
        await backends.close();
      },
    };
  } catch (error) {
    await backends.close();
    throw error;
  }
}
