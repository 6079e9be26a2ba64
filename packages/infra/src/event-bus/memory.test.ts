import { eventBusContract, TEST_EVENTS } from './event-bus.contract.ts';
import { createMemoryEventBus } from './memory.ts';

eventBusContract('memory', 'test:events:memory:', {
  open: async (prefix, onError) => createMemoryEventBus(TEST_EVENTS, { prefix, onError }),
});
