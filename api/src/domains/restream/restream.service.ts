/**
 * Restream rules: a channel's owner keeps up to `maxDestinations` other RTMP(S) destinations; their keys
 * are sealed at rest and never returned; the media node reads the enabled ones of a live session and
 * reports each forward's state, which the owner sees in the list.
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateRestreamDestination,
  RestreamDestination,
  RestreamDestinationList,
  UpdateRestreamDestination,
} from '@streamhub/contracts/restream';
import { AppError, forbidden, notFound } from '@streamhub/errors/app-error';
import type {
  RestreamDestination as MediaDestination,
  RestreamStatus,
} from '@streamhub/media-node/live/restream-port';
import type { ChannelsService } from '../channels/channels.service.ts';
import { KeySeal, keyHint } from './key-seal.ts';
import type { DestinationRow, RestreamRepository } from './restream.repository.ts';

export interface RestreamServiceDeps {
  destinations: RestreamRepository;
  channels: Pick<ChannelsService, 'reference'>;
  /** `RESTREAM_SECRET`; unset → destinations can be listed but not added or used. */
  secret: string | undefined;
  /** Destinations a channel may have now (an instance setting an admin may change live). */
  maxDestinations(): Promise<number>;
}

const notConfigured = () =>
  new AppError(
    503,
    'restream_not_configured',
    'Restreaming is not configured on this instance (RESTREAM_SECRET).',
  );

export class RestreamService {
  private readonly seal: KeySeal | undefined;

  constructor(private readonly deps: RestreamServiceDeps) {
    this.seal = deps.secret ? new KeySeal(deps.secret) : undefined;
  }

  async list(userId: string, slug: string): Promise<RestreamDestinationList> {
    const channelId = await this.ownedChannel(userId, slug);
    const rows = await this.deps.destinations.list(channelId);
    return { items: rows.map(toDestination), max: await this.deps.maxDestinations() };
  }

  async create(userId: string, slug: string, input: CreateRestreamDestination): Promise<RestreamDestination> {
    const channelId = await this.ownedChannel(userId, slug);
    const seal = this.requireSeal();
    const max = await this.deps.maxDestinations();
    if ((await this.deps.destinations.countFor(channelId)) >= max) {
      throw new AppError(
        409,
        'restream_limit_reached',
        `A channel may have at most ${max} restream destinations.`,
      );
    }
    const id = randomUUID();
    const row = await this.deps.destinations.insert({
      id,
      channelId,
      name: input.name,
      url: trimSlash(input.url),
      keySealed: seal.seal(input.streamKey, id),
      keyHint: keyHint(input.streamKey),
      enabled: input.enabled ?? true,
    });
    return toDestination(row);
  }

  async update(
    userId: string,
    slug: string,
    id: string,
    patch: UpdateRestreamDestination,
  ): Promise<RestreamDestination> {
    const channelId = await this.ownedChannel(userId, slug);
    const sealed =
      patch.streamKey === undefined
        ? {}
        : { keySealed: this.requireSeal().seal(patch.streamKey, id), keyHint: keyHint(patch.streamKey) };
    const row = await this.deps.destinations.update(channelId, id, {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.url === undefined ? {} : { url: trimSlash(patch.url) }),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
      ...sealed,
    });
    if (!row) throw notFound('Restream destination');
    return toDestination(row);
  }

  async remove(userId: string, slug: string, id: string): Promise<void> {
    const channelId = await this.ownedChannel(userId, slug);
    if (!(await this.deps.destinations.remove(channelId, id))) throw notFound('Restream destination');
  }

  /** For the media node: the enabled destinations of a live session, keys opened. */
  async destinationsFor(sessionId: string): Promise<MediaDestination[]> {
    const seal = this.seal;
    if (!seal) return [];
    const rows = await this.deps.destinations.forSession(sessionId);
    return rows.map((row) => {
      const key = seal.open(row.keySealed, row.id);
      return { id: row.id, url: `${row.url}/${key}`, secret: key };
    });
  }

  async reportStatus(status: RestreamStatus): Promise<void> {
    await this.deps.destinations.setState(
      status.sessionId,
      status.destinationId,
      status.state,
      status.state === 'failed' ? (status.reason ?? 'failed') : null,
    );
  }

  private requireSeal(): KeySeal {
    if (!this.seal) throw notConfigured();
    return this.seal;
  }

  private async ownedChannel(userId: string, slug: string): Promise<string> {
    const channel = await this.deps.channels.reference(slug);
    if (channel.ownerId !== userId)
      throw forbidden('Only the channel owner manages its restream destinations.');
    return channel.id;
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function toDestination(row: DestinationRow): RestreamDestination {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    keyHint: row.keyHint,
    enabled: row.enabled,
    state: row.state,
    stateReason: row.stateReason,
    stateAt: row.stateAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
