/**
 * The chat domain's module: rooms, messages and moderation (frames fan out through the room publisher),
 * and paid tips highlighted in their channel's chat.
 */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { ChatRepository } from './chat.repository.ts';
import { chatRoutes } from './chat.routes.ts';
import { ChatService } from './chat.service.ts';
import { chatConsumers } from './chat-consumers.ts';
import { ModerationRepository } from './moderation.repository.ts';
import { DiscardingRoomPublisher } from './room-publisher.ts';

function chatServices(
  { db, counters, roomPublisher, chatRateLimit }: ModuleBackends,
  { channels }: ServicesOf<typeof channelsModule>,
) {
  const chat = new ChatService({
    channels,
    chat: new ChatRepository(db),
    moderation: new ModerationRepository(db),
    counters,
    rooms: roomPublisher ?? new DiscardingRoomPublisher(),
    ...(chatRateLimit ? { rateLimit: chatRateLimit } : {}),
  });
  return { chat };
}

const chatMounts = () => [mount('/api/v1/channels', chatRoutes())] as const;

interface ChatRoutes {
  mounts: ReturnType<typeof chatMounts>;
}

export const chatModule: DomainModule<
  'chat',
  ServicesOf<typeof channelsModule>,
  ReturnType<typeof chatServices>,
  ChatRoutes
> = {
  name: 'chat',
  dependsOn: [channelsModule],
  services: chatServices,
  routes: chatMounts,
  consumers: ({ chat }) => chatConsumers({ chat }),
};
