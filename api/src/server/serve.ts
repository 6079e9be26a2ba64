/** Picks the native server of the runtime this process runs on. */
import { runtime } from '../runtime-info.ts';
import { bunRemoteAddress, serveOnBun } from './bun.ts';
import { nodeRemoteAddress, serveOnNode } from './node.ts';
import type { RemoteAddressResolver, RunningServer, ServeOptions } from './types.ts';

export const remoteAddress: RemoteAddressResolver = runtime === 'bun' ? bunRemoteAddress : nodeRemoteAddress;

export function serveHttp(options: ServeOptions): Promise<RunningServer> {
  return runtime === 'bun' ? serveOnBun(options) : serveOnNode(options);
}
