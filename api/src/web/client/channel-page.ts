/**
 * A channel's page: the player follows the channel's live status (from the server's render, then from
 * /ws), the viewer count and the chat come over /ws, a signed-in viewer can post (the socket is told
 * each renewed access token, so chat outlives the token's lifetime) and follow the channel.
 */

import type { PublicChannel } from '@streamhub/contracts/channels';
import type { FollowState } from '@streamhub/contracts/engagement';
import type { ServerFrame } from '@streamhub/contracts/realtime';
import { clientText as t } from '../i18n/en.ts';
import { accessToken, authFetch, forgetSession, isSignedIn, onSessionChange } from './auth-session.ts';
import { startChannelSupport } from './channel-support.ts';
import { ChatView } from './chat-view.ts';
import { element } from './page-data.ts';
import { type Playback, type PlayerAssets, play } from './player.ts';
import { connectRealtime } from './realtime-connection.ts';
import { viewerId } from './viewer-id.ts';

export function startChannelPage(slug: string, assets: PlayerAssets): void {
  const video = element('player', HTMLVideoElement);
  const stage = element('stage', HTMLDivElement);
  const status = element('live-status', HTMLSpanElement);
  const viewerCount = element('viewer-count', HTMLSpanElement);
  const playerNotice = element('player-notice', HTMLParagraphElement);
  const chat = new ChatView(element('chat-messages', HTMLOListElement));
  const chatForm = element('chat-form', HTMLFormElement);
  const chatBody = element('chat-body', HTMLInputElement);
  const chatNotice = element('chat-notice', HTMLParagraphElement);
  const chatSignIn = element('chat-sign-in', HTMLParagraphElement);

  let playback: Playback | undefined;
  let playingUrl: string | undefined;
  // Status changes are applied one after another, so a quick live → offline → live ends in the last state.
  let applied: Promise<void> = Promise.resolve();

  const follow = (live: boolean) => {
    status.textContent = live ? t.live : t.offline;
    status.dataset.live = String(live);
    stage.dataset.live = String(live);
    applied = applied
      .then(() => (live ? startPlayback() : stopPlayback()))
      .catch(() => {
        playerNotice.textContent = t.streamFailed;
      });
  };

  const stopPlayback = () => {
    playback?.stop();
    playback = undefined;
    playingUrl = undefined;
    // The server's poster is the live stream's thumbnail: an ended broadcast's picture would stay.
    video.removeAttribute('poster');
    playerNotice.textContent = t.channelOffline;
  };

  // The playback URL is per broadcast, so it is asked for each time the channel goes live.
  const startPlayback = async () => {
    const response = await fetch(`/api/v1/channels/${encodeURIComponent(slug)}`);
    if (!response.ok) throw new Error(`channel ${response.status}`);
    const channel = (await response.json()) as PublicChannel;
    const url = channel.live ? channel.session?.playbackUrl : undefined;
    if (!url || url === playingUrl) return;
    playback?.stop();
    playerNotice.textContent = '';
    playingUrl = url;
    playback = await play(video, url, {
      live: true,
      assets,
      jumpToLive: element('jump-to-live', HTMLButtonElement),
      failed: (message) => {
        playerNotice.textContent = message;
      },
    });
  };

  const showSignedIn = (signedIn: boolean) => {
    chatForm.hidden = !signedIn;
    chatSignIn.hidden = signedIn;
  };
  // The session ended (elsewhere, or its renewal was refused): the page is anonymous again.
  const signedOut = (notice: string) => {
    forgetSession();
    showSignedIn(false);
    chatNotice.textContent = notice;
  };

  const handle = (frame: ServerFrame) => {
    switch (frame.type) {
      case 'joined':
        if (frame.channel !== slug) return;
        chatNotice.textContent = '';
        viewerCount.textContent = String(frame.viewerCount);
        chat.replace(frame.history);
        follow(frame.live);
        return;
      case 'viewers':
        if (frame.channel === slug) viewerCount.textContent = String(frame.count);
        return;
      case 'stream.status':
        if (frame.channel === slug) follow(frame.live);
        return;
      case 'chat.message':
        if (frame.channel === slug) chat.append(frame.message);
        return;
      case 'chat.deleted':
        if (frame.channel === slug) chat.remove(frame.messageId);
        return;
      case 'chat.tip':
        if (frame.channel === slug) chat.appendTip(frame.tip);
        return;
      case 'authenticated':
        showSignedIn(true);
        return;
      case 'signed_out':
        // The session ended elsewhere (logout, password change, suspension): its tokens are dead too.
        signedOut(t.signedOutElsewhere);
        return;
      case 'error':
        if (frame.code === 'invalid_token' || frame.code === 'account_suspended') signedOut(frame.detail);
        else chatNotice.textContent = frame.detail;
        return;
      default:
        return;
    }
  };

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const connection = connectRealtime(`${scheme}//${location.host}/ws`, {
    opened() {
      // A new connection is anonymous and in no room until told otherwise; a fresh token is asked
      // for (renewed if it was about to expire) before the join, so the join always comes second.
      void accessToken().then((token) => {
        if (token) connection.send({ type: 'auth', token });
        connection.send({ type: 'join', channel: slug, viewerId: viewerId() });
      });
    },
    frame: handle,
    closed(retryInMs) {
      chatNotice.textContent = t.reconnecting(Math.ceil(retryInMs / 1000));
    },
  });

  // Renewed, or signed in or out in another tab: the socket signs in with the new token (the server
  // checks a token's expiry before each post, so an old one would stop the chat).
  onSessionChange((token) => {
    if (token) connection.send({ type: 'auth', token });
    else showSignedIn(false);
  });

  let nonce = 0;
  chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = chatBody.value.trim();
    if (!body) return;
    nonce += 1;
    if (connection.send({ type: 'chat.send', channel: slug, body, nonce: `n${nonce}` })) {
      chatBody.value = '';
    } else {
      chatNotice.textContent = t.notConnected;
    }
  });

  follow(status.dataset.live === 'true');
  startFollowButton(slug);
  startChannelSupport(slug);
}

/** Follow / Following (aria-pressed); a signed-out viewer is sent to sign in and come back. */
function startFollowButton(slug: string): void {
  const button = element('follow-button', HTMLButtonElement);
  const path = `/api/v1/channels/${encodeURIComponent(slug)}/follow`;
  const show = (following: boolean) => {
    button.setAttribute('aria-pressed', String(following));
    button.textContent = following ? t.following : t.follow;
    button.hidden = false;
  };
  let following = false;
  // Busy while a change is on its way, with aria-disabled rather than `disabled`: a disabled button
  // loses the focus, so a keyboard user's next Enter or Space went nowhere.
  let busy = false;
  button.addEventListener('click', () => {
    if (!isSignedIn()) {
      location.assign(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    if (busy) return;
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    authFetch(path, { method: following ? 'DELETE' : 'PUT' })
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status));
        following = ((await response.json()) as FollowState).following;
        show(following);
      })
      .catch(() => {
        button.title = t.followFailed;
      })
      .finally(() => {
        busy = false;
        button.removeAttribute('aria-disabled');
      });
  });
  if (!isSignedIn()) {
    show(false);
    return;
  }
  void authFetch(path)
    .then(async (response) => {
      following = response.ok && ((await response.json()) as FollowState).following;
    })
    .catch(() => undefined)
    .finally(() => show(following));
}
