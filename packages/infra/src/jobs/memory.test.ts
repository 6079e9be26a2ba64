import { jobQueueContract } from './job-queue.contract.ts';
import { createMemoryJobQueue } from './memory.ts';

jobQueueContract('memory', 'test:jobs:memory:', {
  open: async (definitions, _prefix, hooks) => createMemoryJobQueue(definitions, hooks),
});
