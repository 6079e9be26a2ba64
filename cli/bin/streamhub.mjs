#!/usr/bin/env node
// Bun runs TypeScript natively; on Node the tsx loader does, so one source tree serves both runtimes.
if (typeof globalThis.Bun === 'undefined') {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('../src/main.ts');
