/**
 * Rules of the instance settings: what applies is the environment's default unless an admin stored a
 * value; an admin's change is audited (a row of the settings' history, which the admin page lists, and
 * `instance.settings_updated` in the outbox, both with the change) and reaches every replica without a
 * restart.
 *
 * Every replica keeps the settings in a read-through cache, because the rules that use them (opening a
 * channel, an upload, a clip) would otherwise add a query each. A change is announced on the event bus
 * (Redis pub/sub at scale, in-process embedded) and each replica drops its copy on hearing it, so a
 * change applies at once everywhere. Pub/sub is at-most-once: a replica whose Redis connection was down
 * during the announcement misses it, so the copy also expires after CACHE_TTL_MS, which bounds how long
 * such a replica can lag, for one small query per replica and TTL.
 */
import type { DomainEventPayload, DomainEvents } from '@streamhub/contracts/events';
import {
  type InstanceSettings,
  type InstanceSettingsView,
  SETTING_KEYS,
  SETTING_SCHEMAS,
  type SettingKey,
  type SettingsHistoryPage,
  type SettingsHistoryQuery,
  type SettingValue,
  type UpdateInstanceSettings,
} from '@streamhub/contracts/settings';
import { validationFailed } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import type { SettingsRepository } from './settings.repository.ts';

export const CACHE_TTL_MS = 30_000;

/** Where the channels, videos, clips and restream rules read the settings that apply now. */
export interface InstanceSettingsReader {
  current(): Promise<InstanceSettings>;
}

export interface SettingsServiceDeps {
  settings: SettingsRepository;
  events: EventBus<DomainEvents>;
  /** What the environment says (packages/config). */
  defaults: InstanceSettings;
  logger: Logger;
}

type Snapshot = Pick<InstanceSettingsView, 'effective' | 'overridden'>;

export class SettingsService implements InstanceSettingsReader {
  private cached: { snapshot: Snapshot; expiresAt: number } | undefined;
  private loading: { promise: Promise<Snapshot>; generation: number } | undefined;
  // Bumped by every invalidation: a read that began before one must not refill the cache after it.
  private generation = 0;

  constructor(private readonly deps: SettingsServiceDeps) {}

  async current(): Promise<InstanceSettings> {
    return (await this.snapshot()).effective;
  }

  async view(): Promise<InstanceSettingsView> {
    return { ...(await this.snapshot()), defaults: this.deps.defaults };
  }

  /** Drops this replica's copy: the next read goes to the database. */
  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.loading = undefined;
  }

  async update(actorId: string, patch: UpdateInstanceSettings): Promise<InstanceSettingsView> {
    const keys = SETTING_KEYS.filter((key) => patch[key] !== undefined);
    await this.checkUploadLimits(patch);
    let event: DomainEventPayload<'instance.settings_updated'> | undefined;
    await this.deps.settings.write(
      keys.map((key) => ({ key, value: patch[key] })),
      actorId,
      (before) => {
        const previous = new Map(before.map((row) => [row.key, row.value]));
        return keys.map((key) => ({ key, from: previous.get(key) ?? null, to: patch[key] ?? null }));
      },
      (tx, recorded) => {
        event = { actorId, changes: recorded.changes, updatedAt: recorded.createdAt.toISOString() };
        return appendDomainEvent(tx, 'instance.settings_updated', event, { aggregate: 'instance:settings' });
      },
    );
    this.invalidate();
    if (event) {
      // The stored event is the audit record; this copy only makes the other replicas read afresh, and
      // their cache's expiry covers a lost one.
      await this.deps.events.publish('instance.settings_updated', event).catch((error: unknown) => {
        this.deps.logger.warn(
          { err: error },
          'instance.settings_updated not announced; replicas catch up on expiry',
        );
      });
    }
    return this.view();
  }

  /**
   * The admins' saves, newest first: who (null once the account is gone), when, and each setting's
   * stored value before and after (null: the environment's default applied).
   */
  async history(query: SettingsHistoryQuery): Promise<SettingsHistoryPage> {
    const page = await withCursor(() => this.deps.settings.history(query));
    return {
      items: page.items.map(({ change, actor }) => ({
        id: change.id,
        actor,
        changes: change.changes.map(({ key, from, to }) => ({ key, from: asValue(from), to: asValue(to) })),
        createdAt: change.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** An upload larger than the whole quota could never be stored: refused when a change would allow it. */
  private async checkUploadLimits(patch: UpdateInstanceSettings): Promise<void> {
    if (patch.videoMaxBytes === undefined && patch.videoQuotaBytes === undefined) return;
    const { effective } = await this.load();
    const valueAfter = (key: 'videoMaxBytes' | 'videoQuotaBytes') =>
      patch[key] === undefined ? effective[key] : (patch[key] ?? this.deps.defaults[key]);
    if (valueAfter('videoMaxBytes') > valueAfter('videoQuotaBytes')) {
      throw validationFailed([
        {
          path: patch.videoMaxBytes === undefined ? 'body.videoQuotaBytes' : 'body.videoMaxBytes',
          message: 'the largest video upload must not be larger than the video storage per account',
        },
      ]);
    }
  }

  private snapshot(): Promise<Snapshot> {
    if (this.cached && this.cached.expiresAt > Date.now()) return Promise.resolve(this.cached.snapshot);
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const promise = this.load().then(
      (snapshot) => {
        if (generation === this.generation) this.cached = { snapshot, expiresAt: Date.now() + CACHE_TTL_MS };
        return snapshot;
      },
      (error: unknown) => {
        if (this.loading?.promise === promise) this.loading = undefined;
        throw error;
      },
    );
    this.loading = { promise, generation };
    return promise;
  }

  /** The stored values over the defaults; a stored value that no longer passes its schema is skipped. */
  private async load(): Promise<Snapshot> {
    const effective: Record<string, unknown> = { ...this.deps.defaults };
    const overridden: InstanceSettingsView['overridden'] = {};
    for (const row of await this.deps.settings.all()) {
      if (!isSettingKey(row.key)) continue;
      const parsed = SETTING_SCHEMAS[row.key].safeParse(row.value);
      if (!parsed.success) {
        this.deps.logger.warn({ key: row.key }, 'stored instance setting is invalid; its default applies');
        continue;
      }
      effective[row.key] = parsed.data;
      overridden[row.key] = { updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() };
    }
    return { effective: effective as InstanceSettings, overridden };
  }
}

const isSettingKey = (key: string): key is SettingKey => Object.hasOwn(SETTING_SCHEMAS, key);

/** A stored value as the history shows it: every setting's is a string or a number (others as JSON). */
const asValue = (value: unknown): SettingValue =>
  value === null || typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
