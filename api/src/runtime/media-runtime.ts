/**
 * `streamhub serve media`: RTMP ingest and the live HLS ladder without the HTTP gateway. It shares the
 * database and event bus with the gateways, which serve the HLS it writes (shared media directory).
 */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import { channelsModule } from '../domains/channels/channels.module.ts';
import { restreamServices } from '../domains/restream/restream.module.ts';
import { mediaGate } from '../modules/run-modules.ts';
import { openBackends } from './backends.ts';
import { recordIngestDetails } from './media-gate.ts';

export async function startMediaRuntime(config: Config, logger: Logger): Promise<MediaNode> {
  const backends = await openBackends(config, logger, { migrate: false });
  try {
    // The channels module's services and publish gate, on the backends a media node has (no key ring).
    const services = channelsModule.services(
      { config, db: backends.database.db, events: backends.events },
      {},
    );
    const node = await startMediaNode({
      config,
      logger,
      media: backends.media,
      gate: mediaGate([channelsModule], services),
      restream: restreamServices({ config, db: backends.database.db }, services).restream,
    });
    recordIngestDetails(node, services.channels, logger);
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
