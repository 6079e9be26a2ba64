import { createMemoryNodeLiveness } from './memory.ts';
import { nodeLivenessContract } from './node-liveness.contract.ts';

nodeLivenessContract('memory', {
  open: async () => createMemoryNodeLiveness(),
  sharedAcrossInstances: false,
});
