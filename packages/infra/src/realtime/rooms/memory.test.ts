import { createMemoryRoomBroadcaster } from './memory.ts';
import { roomBroadcasterContract } from './room-broadcaster.contract.ts';

roomBroadcasterContract('memory', 'test:rooms:memory:', {
  open: async (prefix, onError) => createMemoryRoomBroadcaster({ prefix, onError }),
});
