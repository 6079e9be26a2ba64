/** Builds every domain's services on the process's backends (the modules of `modules.ts`, in order). */

import type { ModuleBackends } from './modules/domain-module.ts';
import { buildServices } from './modules/run-modules.ts';
import { type GatewayServices, MODULES } from './modules.ts';

export type { GatewayServices };

/** What services are built on; the same as the modules'. */
export type ServiceBackends = ModuleBackends;

export function createServices(backends: ServiceBackends): GatewayServices {
  return buildServices(MODULES, backends);
}
