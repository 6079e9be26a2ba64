/**
 * The servers under test and how each is started (paths relative to the repository root). Node servers
 * get `--expose-gc` only so that the orchestrator can ask for a collection before reading the RSS.
 */
import type { WireProtocol } from './protocol.ts';

export interface ServerSpec {
  id: string;
  label: string;
  command: string;
  args: string[];
  protocol: WireProtocol;
  /** Starts from a copy of the prepared gateway data and takes its settings from the environment. */
  gateway: boolean;
}

export interface Runtimes {
  node: string;
  bun: string;
}

export const BARE_WS = 'bare-ws';
export const STREAMHUB_NODE = 'streamhub-node';
export const STREAMHUB_BUN = 'streamhub-bun';
export const BARE_BUN = 'bare-bun';
export const BARE_WS_FRAMED = 'bare-ws-framed';
/** Run only when asked for with --only: references, not part of the targets. */
export const OPTIONAL_SERVERS = [BARE_BUN, BARE_WS_FRAMED];

/** In run order: the ceiling first, then what is compared with it. */
export function benchServers(runtimes: Runtimes): ServerSpec[] {
  return [
    {
      id: BARE_WS,
      label: 'bare ws 8 broadcast loop (Node)',
      command: runtimes.node,
      args: ['--expose-gc', '--import', 'tsx', 'bench/realtime/servers/bare-ws.ts'],
      protocol: 'bare',
      gateway: false,
    },
    {
      id: STREAMHUB_NODE,
      label: 'StreamHub gateway, Node (ws)',
      command: runtimes.node,
      args: ['--expose-gc', '--import', 'tsx', 'bench/realtime/servers/gateway.ts'],
      protocol: 'streamhub',
      gateway: true,
    },
    {
      id: STREAMHUB_BUN,
      label: 'StreamHub gateway, Bun (native)',
      command: runtimes.bun,
      args: ['bench/realtime/servers/gateway.ts'],
      protocol: 'streamhub',
      gateway: true,
    },
    {
      id: BARE_WS_FRAMED,
      label: 'bare ws, framed once per message (reference)',
      command: runtimes.node,
      args: ['--expose-gc', '--import', 'tsx', 'bench/realtime/servers/bare-ws-framed.ts'],
      protocol: 'bare',
      gateway: false,
    },
    {
      id: BARE_BUN,
      label: 'bare Bun publish (reference)',
      command: runtimes.bun,
      args: ['bench/realtime/servers/bare-bun.ts'],
      protocol: 'bare',
      gateway: false,
    },
  ];
}
