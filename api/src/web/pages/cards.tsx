/** @jsxImportSource hono/jsx */
/** The lists of channels and videos that home, directory, search and channel pages share. */
import type { PublicChannel } from '@streamhub/contracts/channels';
import type { ChannelClip } from '@streamhub/contracts/clips';
import type { Video } from '@streamhub/contracts/videos';
import { pageText } from '../i18n/en.ts';

const t = pageText.cards;

const ownerName = (owner: { username: string; displayName: string | null }) =>
  owner.displayName ?? owner.username;

/** `1:02:03` or `4:05`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/**
 * How a card's image loads: lazily below the first screen; eagerly in the page's first row, where the
 * browser would otherwise wait for layout to learn that it is in view (Lighthouse's LCP element on the
 * home page is the first card's image); the very first one also ahead of other images.
 */
export type ImageLoading = 'lazy' | 'eager' | 'first';

function imageLoading(loading: ImageLoading) {
  return loading === 'lazy'
    ? { loading: 'lazy' as const }
    : { loading: 'eager' as const, fetchpriority: loading === 'first' ? 'high' : 'auto' };
}

/**
 * A channel as its card shows it. `hasThumbnail`: its live stream's thumbnail exists; a channel that has
 * just gone live has none for its first seconds, and the card would otherwise ask for an image that
 * answers 404 (a wasted request and a console error on the page).
 */
export type ListedChannel = PublicChannel & { hasThumbnail: boolean };

/** One link per card (image and title inside it), so a keyboard or screen reader meets each card once. */
export function ChannelCard({ channel, image = 'lazy' }: { channel: ListedChannel; image?: ImageLoading }) {
  return (
    <li class="card">
      <a class="card-link" href={`/c/${channel.slug}`}>
        <span class="thumb">
          {channel.live && channel.hasThumbnail ? (
            <img src={channel.thumbnailUrl} alt="" width={320} height={180} {...imageLoading(image)} />
          ) : null}
          <span class="badge" data-live={String(channel.live)}>
            {channel.live ? t.live : t.offline}
          </span>
        </span>
        <span class="card-title">{channel.title}</span>
      </a>
      <p class="card-meta">
        {t.by(ownerName(channel.owner))} · {pageText.categories[channel.category]}
      </p>
    </li>
  );
}

export function VideoCard({ video, image = 'lazy' }: { video: Video; image?: ImageLoading }) {
  return (
    <li class="card">
      <a class="card-link" href={`/v/${video.id}`}>
        <span class="thumb">
          {video.posterUrl ? (
            <img src={video.posterUrl} alt="" width={320} height={180} {...imageLoading(image)} />
          ) : null}
          {video.durationMs !== null ? (
            <span class="duration">
              <span class="visually-hidden">{t.duration} </span>
              {formatDuration(video.durationMs)}
            </span>
          ) : null}
        </span>
        <span class="card-title">{video.title}</span>
      </a>
      <p class="card-meta">
        {t.by(ownerName(video.owner))} · {t.views(video.viewCount)}
      </p>
    </li>
  );
}

/** A clip: its title, length and maker (the list of clips carries no poster). */
export function ClipCard({ clip }: { clip: ChannelClip }) {
  return (
    <li class="card">
      <a class="card-link" href={`/v/${clip.videoId}`}>
        <span class="thumb">
          <span class="duration">
            <span class="visually-hidden">{t.duration} </span>
            {formatDuration(clip.seconds * 1000)}
          </span>
        </span>
        <span class="card-title">{clip.title}</span>
      </a>
      <p class="card-meta">{t.clippedBy(ownerName(clip.maker))}</p>
    </li>
  );
}

/** Cards of a page's first section loaded eagerly: about a row on a desktop, a screen on a phone. */
const FIRST_SCREEN_CARDS = 4;

/**
 * A titled section with a grid of cards, or a sentence when there is nothing to list. `firstScreen`:
 * the page's top section, whose first images are in view as the page opens.
 */
export function CardSection<T>(props: {
  id: string;
  heading: string;
  items: readonly T[];
  empty: string;
  card: (item: T, image: ImageLoading) => ReturnType<typeof ChannelCard>;
  firstScreen?: boolean;
}) {
  const loading = (index: number): ImageLoading =>
    !props.firstScreen || index >= FIRST_SCREEN_CARDS ? 'lazy' : index === 0 ? 'first' : 'eager';
  return (
    <section class="listing" aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`}>{props.heading}</h2>
      {props.items.length > 0 ? (
        <ul id={props.id} class="cards">
          {props.items.map((item, index) => props.card(item, loading(index)))}
        </ul>
      ) : (
        <p id={props.id} class="empty">
          {props.empty}
        </p>
      )}
    </section>
  );
}

export const channelCard = (channel: ListedChannel, image: ImageLoading) => (
  <ChannelCard channel={channel} image={image} />
);
export const videoCard = (video: Video, image: ImageLoading) => <VideoCard video={video} image={image} />;
export const clipCard = (clip: ChannelClip) => <ClipCard clip={clip} />;
