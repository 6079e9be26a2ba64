/** The watch pages' HTML (escaping and data attributes: see page-layout.ts). */
import type { PublicChannel } from '@streamhub/contracts/live';
import type { Video } from '@streamhub/contracts/videos';
import { html } from 'hono/html';
import { type Html, layout } from './page-layout.ts';
import type { WebAssets } from './web-assets.ts';

const playerData = (assets: WebAssets) => ({
  'hls-module': assets.urls.hlsModule,
  'hls-worker': assets.urls.hlsWorker,
});

export function channelPage(channel: PublicChannel, assets: WebAssets): Html {
  const streamer = channel.owner.displayName ?? channel.owner.username;
  const live = channel.live;
  const body = html`<header>
      <h1 id="channel-title">${channel.title}</h1>
      <p class="byline">
        <span id="streamer">${streamer}</span>
        <span id="live-status" class="badge" data-live="${String(live)}">${live ? 'live' : 'offline'}</span>
        <span><span id="viewer-count">0</span> watching</span>
      </p>
    </header>
    <div class="layout">
      <main>
        <video id="player" controls muted autoplay playsinline></video>
        <p id="player-notice" class="notice">${live ? '' : 'The channel is offline.'}</p>
      </main>
      <aside class="chat">
        <h2>Chat</h2>
        <ol id="chat-messages" aria-live="polite"></ol>
        <form id="chat-form" hidden>
          <input id="chat-body" name="body" maxlength="500" autocomplete="off" aria-label="Message" required />
          <button type="submit">Send</button>
        </form>
        <form id="sign-in">
          <input name="email" type="email" autocomplete="username" placeholder="Email" aria-label="Email" required />
          <input name="password" type="password" autocomplete="current-password" placeholder="Password" aria-label="Password" required />
          <button type="submit">Sign in to chat</button>
        </form>
        <p id="chat-notice" class="notice" role="status"></p>
      </aside>
    </div>`;
  return layout(assets, channel.title, body, {
    data: { page: 'channel', channel: channel.slug, ...playerData(assets) },
  });
}

/** A ready video (the route answers 404 for any other). */
export function videoPage(video: Video & { playbackUrl: string }, assets: WebAssets): Html {
  const author = video.owner.displayName ?? video.owner.username;
  const body = html`<header>
      <h1 id="video-title">${video.title}</h1>
      <p class="byline"><span id="streamer">${author}</span></p>
    </header>
    <main>
      <video id="player" controls playsinline poster="${video.posterUrl ?? ''}"></video>
      <p id="player-notice" class="notice"></p>
      <p class="description">${video.description}</p>
    </main>`;
  return layout(assets, video.title, body, {
    data: { page: 'video', 'playback-url': video.playbackUrl, ...playerData(assets) },
  });
}

export function notFoundPage(assets: WebAssets, what: string): Html {
  return layout(
    assets,
    'Not found',
    html`<main>
      <h1>Not found</h1>
      <p>${what}</p>
    </main>`,
  );
}
