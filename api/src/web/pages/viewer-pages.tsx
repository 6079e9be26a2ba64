/** @jsxImportSource hono/jsx */
/** The viewer's pages: home, directory, search, channel, video and not found. */
import {
  type Broadcast,
  CHANNEL_CATEGORIES,
  type ChannelCategory,
  type PublicChannel,
} from '@streamhub/contracts/channels';
import type { ChannelClipPage } from '@streamhub/contracts/clips';
import type { Video } from '@streamhub/contracts/videos';
import { pageText } from '../i18n/en.ts';
import type { WebAssets } from '../web-assets.ts';
import { CardSection, channelCard, clipCard, type ListedChannel, videoCard } from './cards.tsx';
import { ChannelSupport, type ChannelSupportOffer } from './channel-support.tsx';
import { Outcome } from './form-parts.tsx';
import { Shell } from './shell.tsx';

const playerData = (assets: WebAssets) => ({
  'hls-module': assets.urls.hlsModule,
  'hls-worker': assets.urls.hlsWorker,
});

export function homePage(props: { assets: WebAssets; live: ListedChannel[]; videos: Video[] }) {
  const t = pageText.home;
  return (
    <Shell assets={props.assets} title={t.title} data={{ page: 'home' }}>
      <h1 class="visually-hidden">{t.heading}</h1>
      <CardSection
        id="live-now"
        heading={t.liveNow}
        items={props.live}
        empty={t.noneLive}
        card={channelCard}
        firstScreen
      />
      {/* Filled in by the home island for a signed-in viewer (the server does not know who reads). Shown
          to everyone, one line high until then, so that it does not push the page down as it fills in. */}
      <section id="following-live-section" class="listing" aria-labelledby="following-live-heading">
        <h2 id="following-live-heading">{t.following}</h2>
        <p id="following-live" class="empty">
          <a href="/sign-in">{t.signInForFollowing}</a>
        </p>
      </section>
      <CardSection
        id="new-videos"
        heading={t.newVideos}
        items={props.videos}
        empty={t.noVideos}
        card={videoCard}
        firstScreen={props.live.length === 0}
      />
      <p>
        <a href="/directory">{t.browseDirectory}</a>
      </p>
    </Shell>
  );
}

export function directoryPage(props: {
  assets: WebAssets;
  category: ChannelCategory | undefined;
  live: ListedChannel[];
  videos: Video[];
}) {
  const t = pageText.directory;
  const name = props.category ? pageText.categories[props.category] : undefined;
  return (
    <Shell assets={props.assets} title={name ? `${name} · ${t.title}` : t.title} data={{ page: 'directory' }}>
      <h1>{name ?? t.heading}</h1>
      <nav class="categories" aria-label={t.categories}>
        <ul>
          <li>
            <a href="/directory" aria-current={props.category ? undefined : 'page'}>
              {t.all}
            </a>
          </li>
          {CHANNEL_CATEGORIES.map((category) => (
            <li>
              <a
                href={`/directory/${category}`}
                aria-current={category === props.category ? 'page' : undefined}
              >
                {pageText.categories[category]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <CardSection
        id="live-now"
        heading={name ? t.liveIn(name) : t.liveAll}
        items={props.live}
        empty={t.noneLive}
        card={channelCard}
        firstScreen
      />
      {name ? (
        <CardSection
          id="category-videos"
          heading={t.videosIn(name)}
          items={props.videos}
          empty={t.noVideos}
          card={videoCard}
        />
      ) : null}
    </Shell>
  );
}

export function searchPage(props: {
  assets: WebAssets;
  query: string | undefined;
  channels: ListedChannel[];
  videos: Video[];
}) {
  const t = pageText.search;
  const { query } = props;
  return (
    <Shell
      assets={props.assets}
      title={query ? t.titleFor(query) : t.title}
      data={{ page: 'search' }}
      {...(query ? { query } : {})}
    >
      <h1>{query ? t.resultsFor(query) : t.heading}</h1>
      {query ? (
        <>
          <CardSection
            id="channel-results"
            heading={t.channels}
            items={props.channels}
            empty={t.noChannels}
            card={channelCard}
            firstScreen
          />
          <CardSection
            id="video-results"
            heading={t.videos}
            items={props.videos}
            empty={t.noVideos}
            card={videoCard}
          />
        </>
      ) : (
        <p>{t.prompt}</p>
      )}
    </Shell>
  );
}

function BroadcastItem({ broadcast }: { broadcast: Broadcast }) {
  const t = pageText.channel;
  const minutes = broadcast.endedAt
    ? Math.max(1, Math.round((Date.parse(broadcast.endedAt) - Date.parse(broadcast.startedAt)) / 60_000))
    : undefined;
  return (
    <li>
      <time datetime={broadcast.startedAt}>{pageText.formatDate(broadcast.startedAt)}</time>
      {' · '}
      {minutes === undefined ? t.broadcastLive : t.lasted(minutes)}
      {' · '}
      {t.peakViewers(broadcast.peakViewers)}
      {broadcast.videoId ? (
        <>
          {' · '}
          <a href={`/v/${broadcast.videoId}`}>{t.watchRecording}</a>
        </>
      ) : null}
    </li>
  );
}

export function channelPage(props: {
  assets: WebAssets;
  channel: PublicChannel;
  broadcasts: Broadcast[];
  videos: Video[];
  /** A page of the channel's public clips; `paged`: it is not the first (`?clips=<cursor>`). */
  clips: ChannelClipPage & { paged: boolean };
  /** The live stream's thumbnail, when it has one yet. */
  poster?: string | undefined;
  /** Absent when the instance takes no payments. */
  support?: ChannelSupportOffer | undefined;
}) {
  const t = pageText.channel;
  const { channel, assets } = props;
  const live = String(channel.live);
  return (
    <Shell
      assets={assets}
      title={channel.title}
      data={{ page: 'channel', channel: channel.slug, ...playerData(assets) }}
      // Live: the stream's latest thumbnail, once there is one, shows (and is the page's largest paint)
      // until the first frame, and hls.js comes with the page's script rather than after it.
      {...(channel.live ? { leadImage: props.poster, preloadModules: [assets.urls.hlsModule] } : {})}
    >
      <div class="channel-head">
        <div>
          <h1 id="channel-title">{channel.title}</h1>
          <p class="byline">
            <span id="streamer">{channel.owner.displayName ?? channel.owner.username}</span>
            <span id="live-status" class="badge" data-live={live}>
              {channel.live ? pageText.cards.live : pageText.cards.offline}
            </span>
            <span>
              <span id="viewer-count">0</span> {t.watching}
            </span>
            <span>{pageText.cards.followers(channel.followerCount)}</span>
          </p>
        </div>
        <button id="follow-button" class="follow" type="button" aria-pressed="false" hidden>
          {t.follow}
        </button>
      </div>
      {props.support && <ChannelSupport offer={props.support} />}
      <div id="stage" class="stage" data-live={live}>
        <div class="player-area">
          <video
            id="player"
            controls
            muted
            autoplay
            playsinline
            poster={channel.live ? props.poster : undefined}
            aria-label={t.player(channel.title)}
          />
          <button id="jump-to-live" class="jump-to-live" type="button" hidden>
            {t.jumpToLive}
          </button>
          <p id="player-notice" class="notice" role="status">
            {channel.live ? '' : t.offline}
          </p>
        </div>
        <section class="chat" aria-labelledby="chat-heading">
          <h2 id="chat-heading">{t.chat}</h2>
          <ol id="chat-messages" aria-label={t.chatMessages} aria-live="polite" tabindex={0} />
          <form id="chat-form" method="post" hidden>
            <input
              id="chat-body"
              name="body"
              maxlength={500}
              autocomplete="off"
              aria-label={t.message}
              required
            />
            <button type="submit">{t.send}</button>
          </form>
          <p id="chat-sign-in">
            <a class="button-link" href={`/sign-in?next=${encodeURIComponent(`/c/${channel.slug}`)}`}>
              {t.signInToChat}
            </a>
          </p>
          <p id="chat-notice" class="notice" role="status" />
        </section>
      </div>
      <ClipForm slug={channel.slug} />
      <section class="listing" aria-labelledby="broadcasts-heading">
        <h2 id="broadcasts-heading">{t.broadcasts}</h2>
        {props.broadcasts.length > 0 ? (
          <ul id="broadcasts" class="broadcasts">
            {props.broadcasts.map((broadcast) => (
              <BroadcastItem broadcast={broadcast} />
            ))}
          </ul>
        ) : (
          <p class="empty">{t.noBroadcasts}</p>
        )}
      </section>
      <CardSection
        id="channel-videos"
        heading={t.videos}
        items={props.videos}
        empty={t.noVideos}
        card={videoCard}
      />
      <CardSection
        id="channel-clips"
        heading={t.clips}
        items={props.clips.items}
        empty={t.noClips}
        card={clipCard}
      />
      <ClipsPaging slug={channel.slug} clips={props.clips} />
    </Shell>
  );
}

/** Links between the pages of the clips, served by the channel page itself (no script needed). */
function ClipsPaging({ slug, clips }: { slug: string; clips: ChannelClipPage & { paged: boolean } }) {
  const t = pageText.channel;
  const page = (cursor?: string) =>
    `/c/${slug}${cursor ? `?clips=${encodeURIComponent(cursor)}` : ''}#channel-clips-heading`;
  if (!clips.paged && !clips.nextCursor) return null;
  return (
    <nav class="paging" aria-label={t.clips}>
      {clips.paged ? <a href={page()}>{t.newestClips}</a> : null}
      {clips.nextCursor ? <a href={page(clips.nextCursor)}>{t.olderClips}</a> : null}
    </nav>
  );
}

/**
 * Clip a finished video from the player's position, or (without `videoId`) the last seconds of the
 * channel's live broadcast (client/video-clip.ts). Hidden until a viewer is signed in; the API decides
 * who may (the owner, or anyone when the channel allows) and says why not (an offline channel, too).
 */
function ClipForm(props: { videoId?: string; slug: string }) {
  const t = pageText.video;
  const live = props.videoId === undefined;
  return (
    <form id="clip-form" class="clip-form" hidden data-video-id={props.videoId} data-slug={props.slug}>
      <h2>{live ? pageText.channel.clipHeading : t.clipHeading}</h2>
      <label>
        {t.clipLength}{' '}
        <select name="seconds">
          {[10, 30, 60].map((seconds) => (
            <option value={String(seconds)} selected={seconds === 30}>
              {t.clipSeconds(seconds)}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit">{live ? pageText.channel.clipButton : t.clipButton}</button>
      <Outcome id="clip" />
      <a id="clip-link" hidden href="/">
        {t.clipOpen}
      </a>
    </form>
  );
}

/** A ready video (the route answers 404 for any other). */
export function videoPage(props: {
  assets: WebAssets;
  video: Video & { playbackUrl: string };
  /** Who made the clip this video is; absent for any other video. */
  clippedBy?: { username: string; displayName: string | null } | undefined;
}) {
  const { video, assets, clippedBy } = props;
  return (
    <Shell
      assets={assets}
      title={video.title}
      data={{ page: 'video', 'playback-url': video.playbackUrl, ...playerData(assets) }}
      leadImage={video.posterUrl ?? undefined}
    >
      {/* Click to play: hls.js (117 KB gzipped, and its work on the main thread) is loaded when the viewer
          starts the video, by the button over the poster or the player's own controls (client/main.ts). */}
      <div class="player-area video-player">
        {/* biome-ignore lint/a11y/useMediaCaption: videos carry no caption tracks yet (nor do live streams). */}
        <video
          id="player"
          controls
          playsinline
          preload="none"
          poster={video.posterUrl ?? undefined}
          aria-label={pageText.video.player(video.title)}
        />
        <button
          id="play-video"
          class="play-video"
          type="button"
          aria-label={pageText.video.play(video.title)}
        >
          <span aria-hidden="true">▶</span>
        </button>
        <p id="player-notice" class="notice" role="status" />
      </div>
      <h1 id="video-title">{video.title}</h1>
      <p class="byline">
        <span id="streamer">{video.owner.displayName ?? video.owner.username}</span>
        {clippedBy ? (
          <span id="clipped-by">{pageText.cards.clippedBy(clippedBy.displayName ?? clippedBy.username)}</span>
        ) : null}
        <span>{pageText.cards.views(video.viewCount)}</span>
        {video.channel ? (
          <a href={`/c/${video.channel.slug}`}>
            {pageText.video.from} {video.channel.title}
          </a>
        ) : null}
      </p>
      <p class="description">{video.description}</p>
      {video.channel ? <ClipForm videoId={video.id} slug={video.channel.slug} /> : null}
    </Shell>
  );
}

export function notFoundPage(assets: WebAssets, what: string) {
  const t = pageText.notFound;
  return (
    <Shell assets={assets} title={t.title} data={{ page: 'not-found' }}>
      <h1>{t.heading}</h1>
      <p>{what}</p>
      <p>
        <a href="/">{t.goHome}</a>
      </p>
    </Shell>
  );
}
