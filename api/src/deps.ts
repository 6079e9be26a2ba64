/** Everything the gateway needs from the outside world, injected by the runtime (or by a test). */
import type { Config } from '@streamhub/config/config';
import type { CounterStore } from '@streamhub/infra/counters/port';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import type { Logger } from '@streamhub/logger/logger';
import type { Context } from 'hono';
import type { SigningKeyRing } from './domains/auth/signing-keys.ts';
import type { GatewayServices } from './modules.ts';

/** A dependency `/readyz` checks; `check` rejects when the dependency is unusable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  counters: CounterStore;
  /** Live viewers per channel (chat connections and playback heartbeats). */
  presence: PresenceStore;
  services: GatewayServices;
  /** Public halves are served at `/.well-known/jwks.json`. */
  signingKeys: SigningKeyRing;
  readiness: ReadinessCheck[];
  /** Storage drivers in use, reported by `/api/v1/system/info`. */
  drivers: { database: 'pglite' | 'postgres'; infra: 'memory' | 'redis' };
  /** The peer address; the runtime adapter knows how to read it (Node socket, Bun server). */
  remoteAddress(c: Context): string | undefined;
}
