/**
 * The one shape every domain exports (`<domain>.module.ts`): its services built on the process's backends
 * and on the services of the modules it depends on, its routes, durable consumers, job handlers,
 * ephemeral subscriptions and background timers. The runtimes take the list in `modules.ts` and start
 * only what their role needs.
 */
import type { Config } from '@streamhub/config/config';
import type { DomainEvents } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { Db } from '@streamhub/db/client';
import type { CounterStore } from '@streamhub/infra/counters/port';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { JobHandlers, JobQueue } from '@streamhub/infra/jobs/port';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Consumer } from '@streamhub/infra/outbox/consumers';
import type { PresenceStore } from '@streamhub/infra/realtime/presence/port';
import type { Logger } from '@streamhub/logger/logger';
import type { PublishGate } from '@streamhub/media-node/live/publish-gate';
import type { Hono } from 'hono';
import type { MergeSchemaPath, Schema } from 'hono/types';
import type { AbusePolicy } from '../domains/auth/abuse-guard.ts';
import type { FetchFn } from '../domains/auth/oauth-client.ts';
import type { ScryptParams } from '../domains/auth/password.ts';
import type { SigningKeyRing } from '../domains/auth/signing-keys.ts';
import type { ChatRateLimit } from '../domains/chat/chat.service.ts';
import type { RoomPublisher } from '../domains/chat/room-publisher.ts';
import type { CommentRateLimit } from '../domains/engagement/comments.service.ts';
import type { NotificationPublisher } from '../domains/notifications/notification-publisher.ts';
import type { PushPort } from '../domains/notifications/push-port.ts';
import type { VideoStatusPublisher } from '../domains/videos/video-status-publisher.ts';
import type { ResolveHost } from '../domains/webhooks/target-guard.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';

/** What a process opened that modules build their services on. */
export interface ModuleBackends {
  config: Config;
  db: Db;
  /** Ephemeral events (pub/sub); durable ones go through the outbox writer in a transaction. */
  events: EventBus<DomainEvents>;
  jobs: JobQueue<JobDefinitionsMap>;
  signingKeys: SigningKeyRing;
  counters: CounterStore;
  /** Live viewers per channel (`/ws`, playback heartbeats), for the gateway's analytics; absent elsewhere. */
  presence?: PresenceStore;
  /** The process's one media storage: avatars, uploads, videos' files, live HLS. */
  media: MediaStorage;
  /** Where services report what they cannot hand back to a caller (e.g. an event lost after a commit). */
  logger: Logger;
  /** Cheaper password hashing for tests. */
  scrypt?: ScryptParams;
  /** Tighter abuse limits for tests. */
  abusePolicy?: AbusePolicy;
  /** How the OAuth service reaches GitHub and Google; defaults to the global fetch. */
  oauthFetch?: FetchFn;
  /** Where the videos domain tells owners how processing goes; the realtime hub passes its own. */
  videoStatusPublisher?: VideoStatusPublisher;
  /** Where notifications reach their recipients' `/ws` connections; the realtime hub passes its own. */
  notificationPublisher?: NotificationPublisher;
  /** A different push port for notifications (tests: a local push service); else the configured one. */
  notificationPush?: PushPort;
  /** Where chat announces room changes; the realtime hub passes its own, else frames are dropped. */
  roomPublisher?: RoomPublisher;
  /** A different chat rate limit (tests). */
  chatRateLimit?: ChatRateLimit;
  /** A different comment rate limit (tests). */
  commentRateLimit?: CommentRateLimit;
  /** How webhook target host names resolve; the system resolver unless a test pins names to addresses. */
  webhookResolver?: ResolveHost;
}

/** What the gateway hands a module's `routes`. */
export interface RouteContext {
  config: Config;
  metrics: GatewayMetrics;
}

/** What a module's consumers, jobs, subscriptions and timers may use besides its services. */
export interface RunContext {
  config: Config;
  logger: Logger;
  /** The process's media storage (the video job reads sources and writes renditions there). */
  media: MediaStorage;
  events: EventBus<DomainEvents>;
}

/** What job handlers may use besides the module's services. */
export interface JobContext extends RunContext {
  mailer: Mailer;
}

// biome-ignore lint/suspicious/noExplicitAny: any Hono sub-app, whatever its env and schema.
type AnyRouter = Hono<any, any, any>;

/** One router mounted at `path`; `mount()` keeps the path's literal type for the typed client. */
export interface RouteMount<P extends string = string, R extends AnyRouter = AnyRouter> {
  readonly path: P;
  readonly router: R;
}

export function mount<const P extends string, R extends AnyRouter>(path: P, router: R): RouteMount<P, R> {
  return { path, router };
}

/**
 * The precise type of a module's mounts, boxed in an interface: interface members are resolved only
 * when read, which keeps the route types (they read `c.var.deps.services`) out of the services' type
 * (built from MODULES) and so free of a cycle.
 */
export interface RoutesBox {
  mounts: readonly RouteMount[];
}

type MountsIn<R> = R extends { mounts: infer M extends readonly RouteMount[] } ? M : readonly RouteMount[];

export interface DomainModule<
  Name extends string = string,
  Needs = unknown,
  Services extends object = object,
  Routes = RoutesBox,
  Jobs extends Partial<JobHandlers<JobDefinitionsMap>> = Partial<JobHandlers<JobDefinitionsMap>>,
  Backends = ModuleBackends,
> {
  readonly name: Name;
  /** Modules whose services `services` receives; they must come earlier in MODULES (checked at start-up). */
  readonly dependsOn?: readonly DomainModule[];
  /**
   * Ports this module implements for modules it may not import (auth's AccountStore, which the users
   * module provides), built on the backends alone before any module's services, so a module listed
   * earlier receives them too: every `services` gets them in its `needs`, beside the services before it.
   */
  ports?(backends: Backends): object;
  services(backends: Backends, needs: Needs): Services;
  /** Routers the gateway mounts: `/api/v1/<domain>` and any extra mounts (`/hls/`, `/vod/`). */
  routes?(context: RouteContext): MountsIn<Routes>;
  /** Durable (outbox) consumers: they run where jobs run. */
  consumers?(services: Services, context: RunContext): Consumer<DomainEvents>[];
  /** Handlers of this domain's jobs; every module's together must cover JOB_DEFINITIONS. */
  jobs?(services: Services, context: JobContext): Jobs;
  /** Ephemeral (pub/sub) subscriptions of a gateway; resolves once live, to the function that stops them. */
  subscriptions?(services: Services, context: RunContext): Promise<() => void>;
  /** Background timers of a gateway (sweeps); returns the function that stops them. */
  timers?(services: Services, context: RunContext): () => void;
  /** What a media node needs of this module (the channels module's publish gate). */
  publishGate?(services: Services): PublishGate;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** The services a module builds. */
// biome-ignore lint/suspicious/noExplicitAny: read the one member, whatever the backends and needs.
export type ServicesOf<M> = M extends { services(...args: any[]): infer S } ? S : never;

/** The services of every module in `Ms`, as one object. */
export type AllServices<Ms extends readonly DomainModule[]> = UnionToIntersection<ServicesOf<Ms[number]>>;

// --- the app's type, from its modules' routes ----------------------------------------------------------

type RouterSchema<R> = R extends Hono<infer _E, infer S, infer _B> ? S : never;
type MountSchema<M> =
  M extends RouteMount<infer P, infer R>
    ? RouterSchema<R> extends infer S extends Schema
      ? MergeSchemaPath<S, P>
      : never
    : never;
type ModuleSchema<M> =
  M extends DomainModule<string, infer _N, infer _S, infer R> ? MountSchema<MountsIn<R>[number]> : never;

/** Every route of every module, as the schema `hc<…>` reads. */
export type ModulesSchema<Ms extends readonly DomainModule[]> = ModuleSchema<Ms[number]>;

/** The job names that the modules' `jobs` handle. */
export type HandledJobs<Ms extends readonly DomainModule[]> = keyof UnionToIntersection<
  Ms[number] extends infer M ? (M extends { jobs?(...args: never[]): infer J } ? J : never) : never
>;
