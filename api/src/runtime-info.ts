/** Which JavaScript runtime runs this process; both are first-class. */
import packageJson from '../../package.json' with { type: 'json' };

export const runtime: 'node' | 'bun' = typeof globalThis.Bun === 'undefined' ? 'node' : 'bun';
export const runtimeVersion: string =
  runtime === 'bun' ? (globalThis.Bun?.version ?? '') : process.versions.node;
export const streamhubVersion: string = packageJson.version;
