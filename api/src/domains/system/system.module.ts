/** The system module: health, readiness, metrics and instance information. */
import { type DomainModule, mount, type RouteContext } from '../../modules/domain-module.ts';
import { systemRoutes } from './system.routes.ts';

const systemMounts = ({ config, metrics }: RouteContext) =>
  [mount('/', systemRoutes(metrics, config.metricsToken))] as const;

interface SystemRoutes {
  mounts: ReturnType<typeof systemMounts>;
}

export const systemModule: DomainModule<'system', unknown, Record<never, never>, SystemRoutes> = {
  name: 'system',
  services: () => ({}),
  routes: systemMounts,
};
