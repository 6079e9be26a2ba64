/**
 * `streamhub serve media`: RTMP ingest and the live HLS ladder without the HTTP gateway. It shares the
 * database and event bus with the gateways, which serve the HLS it writes from the media storage. With
 * Redis it keeps a lease under its id, so that other nodes take over its sessions when it dies.
 */
import type { Config } from '@streamhub/config/config';
import { createNodeLiveness } from '@streamhub/infra/node-liveness/factory';
import type { NodeLiveness } from '@streamhub/infra/node-liveness/port';
import type { Logger } from '@streamhub/logger/logger';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import { channelsModule } from '../domains/channels/channels.module.ts';
import { restreamServices } from '../domains/restream/restream.module.ts';
import { mediaGate } from '../modules/run-modules.ts';
import { openBackends } from './backends.ts';
import { recordIngestDetails } from './media-gate.ts';

export async function startMediaRuntime(config: Config, logger: Logger): Promise<MediaNode> {
  const backends = await openBackends(config, logger, { migrate: false });
  let liveness: NodeLiveness | undefined;
  try {
    // Nodes on separate hosts see each other's leases only through Redis; without it this node runs alone.
    if (config.redisUrl) {
      liveness = await createNodeLiveness({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        onError: (error) => logger.error({ err: error }, 'node liveness error'),
      });
    }
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
      ...(liveness && { liveness }),
    });
    recordIngestDetails(node, services.channels, logger);
    return {
      ...node,
      close: async () => {
        await node.close();
        await liveness?.close();
        await backends.close();
      },
    };
  } catch (error) {
    await liveness?.close();
    await backends.close();
    throw error;
  }
}
