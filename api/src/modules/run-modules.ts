/** What the runtimes do with the module list: build services, mount routes, gather consumers and jobs. */
import type { DomainEvents } from '@streamhub/contracts/events';
import { type AppJobName, JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import type { Consumer } from '@streamhub/infra/outbox/consumers';
import type { PublishGate } from '@streamhub/media-node/live/publish-gate';
import type { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import type {
  AllServices,
  DomainModule,
  HandledJobs,
  JobContext,
  ModuleBackends,
  RouteContext,
  RunContext,
} from './domain-module.ts';

// A module list whose `jobs` leave a job of JOB_DEFINITIONS without a handler does not compile.
type CoversEveryJob<Ms extends readonly DomainModule[]> =
  Exclude<AppJobName, HandledJobs<Ms>> extends never
    ? Ms
    : { missingJobHandlers: Exclude<AppJobName, HandledJobs<Ms>> };

/**
 * Builds every module's services in list order, each on the backends, every module's ports and the
 * services built before it. A module listed before one it depends on, or two modules building a service
 * or port of the same name, stop start-up.
 */
export function buildServices<const Ms extends readonly DomainModule[]>(
  modules: Ms,
  backends: ModuleBackends,
): AllServices<Ms> {
  // Ports first: they need only the backends, so they reach modules listed before their provider.
  const ports: Record<string, unknown> = {};
  for (const module of modules) {
    for (const [name, port] of Object.entries(module.ports?.(backends) ?? {})) {
      if (name in ports) throw new Error(`module ${module.name} provides port "${name}" a second time`);
      ports[name] = port;
    }
  }
  const built: Record<string, unknown> = {};
  const done = new Set<string>();
  for (const module of modules) {
    for (const dependency of module.dependsOn ?? []) {
      if (!done.has(dependency.name)) {
        throw new Error(
          `module ${module.name} depends on ${dependency.name}, which must be listed before it`,
        );
      }
    }
    const services = module.services(backends, { ...ports, ...built });
    for (const name of Object.keys(services)) {
      if (name in built || name in ports) {
        throw new Error(`module ${module.name} builds service "${name}" a second time`);
      }
    }
    Object.assign(built, services);
    done.add(module.name);
  }
  // Each module's `services` returned its own part; together they are the intersection.
  return built as AllServices<Ms>;
}

/** Mounts every module's routers on `app`, in list order. */
export function mountRoutes(
  app: Hono<AppEnv>,
  modules: readonly DomainModule[],
  context: RouteContext,
): void {
  for (const module of modules) {
    for (const { path, router } of module.routes?.(context) ?? []) app.route(path, router);
  }
}

/** Every module's durable consumers. */
export function moduleConsumers(
  modules: readonly DomainModule[],
  services: object,
  context: RunContext,
): Consumer<DomainEvents>[] {
  return modules.flatMap((module) => module.consumers?.(services, context) ?? []);
}

/**
 * Every job's handler, from the modules' `jobs`. The type parameter refuses a list that misses a job
 * at compile time; the check below does it again at start-up for lists built at run time.
 */
export function moduleJobHandlers<const Ms extends readonly DomainModule[]>(
  modules: Ms & CoversEveryJob<Ms>,
  services: object,
  context: JobContext,
): JobHandlers<JobDefinitionsMap> {
  const handlers: Partial<JobHandlers<JobDefinitionsMap>> = {};
  for (const module of modules) Object.assign(handlers, module.jobs?.(services, context));
  const missing = Object.keys(JOB_DEFINITIONS).filter((name) => !(name in handlers));
  if (missing.length > 0) throw new Error(`no module handles the job(s) ${missing.join(', ')}`);
  return handlers as JobHandlers<JobDefinitionsMap>;
}

/** Starts every module's ephemeral subscriptions and timers; resolves to the function that stops them. */
export async function startBackground(
  modules: readonly DomainModule[],
  services: object,
  context: RunContext,
): Promise<() => void> {
  const stops: (() => void)[] = [];
  const stopAll = () => {
    for (const stop of stops.splice(0)) stop();
  };
  try {
    for (const module of modules) {
      if (module.subscriptions) stops.push(await module.subscriptions(services, context));
      if (module.timers) stops.push(module.timers(services, context));
    }
  } catch (error) {
    stopAll();
    throw error;
  }
  return stopAll;
}

/** The media node's publish gate: the one module that provides it (channels). */
export function mediaGate(modules: readonly DomainModule[], services: object): PublishGate {
  const providers = modules.filter((module) => module.publishGate);
  const [provider] = providers;
  if (!provider?.publishGate || providers.length > 1) {
    throw new Error("exactly one module must provide the media node's publish gate");
  }
  return provider.publishGate(services);
}
