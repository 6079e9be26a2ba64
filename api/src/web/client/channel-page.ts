/**
 * A channel's watch page: the player follows the channel's live status (from the server's render, then
 * from /ws), the viewer count and the chat come over /ws, and a signed-in viewer can post.
 */
import type { PublicChannel } from '@streamhub/contracts/live';
import type { ServerFrame } from '@streamhub/contracts/realtime';
import { ChatView } from './chat-view.ts';
import { element } from './page-data.ts';
import { type Playback, type PlayerAssets, play } from './player.ts';
import { connectRealtime } from './realtime-connection.ts';
import { forgetAccessToken, signIn, storedAccessToken } from './sign-in.ts';
import { viewerId } from './viewer-id.ts';

export function startChannelPage(slug: string, assets: PlayerAssets): void {
  const video = element('player', HTMLVideoElement);
  const status = element('live-status', HTMLSpanElement);
  const viewerCount = element('viewer-count', HTMLSpanElement);
  const playerNotice = element('player-notice', HTMLParagraphElement);
  const chat = new ChatView(element('chat-messages', HTMLOListElement));
  const chatForm = element('chat-form', HTMLFormElement);
  const chatBody = element('chat-body', HTMLInputElement);
  const chatNotice = element('chat-notice', HTMLParagraphElement);
  const signInForm = element('sign-in', HTMLFormElement);

  let playback: Playback | undefined;
  let playingUrl: string | undefined;
  // Status changes are applied one after another, so a quick live → offline → live ends in the last state.
  let applied: Promise<void> = Promise.resolve();

  const follow = (live: boolean) => {
    status.textContent = live ? 'live' : 'offline';
    status.dataset.live = String(live);
    applied = applied
      .then(() => (live ? startPlayback() : stopPlayback()))
      .catch(() => {
        playerNotice.textContent = 'The stream could not be loaded; reload the page to try again.';
      });
  };

  const stopPlayback = () => {
    playback?.stop();
    playback = undefined;
    playingUrl = undefined;
    playerNotice.textContent = 'The channel is offline.';
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
      failed: (message) => {
        playerNotice.textContent = message;
      },
    });
  };

  let token = storedAccessToken();
  const showSignedIn = (signedIn: boolean) => {
    chatForm.hidden = !signedIn;
    signInForm.hidden = signedIn;
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
      case 'authenticated':
        showSignedIn(true);
        return;
      case 'signed_out':
        // The session ended elsewhere (logout, password change, suspension): its token is dead too.
        forgetAccessToken();
        token = undefined;
        showSignedIn(false);
        chatNotice.textContent = 'You were signed out; sign in again to chat.';
        return;
      case 'error':
        if (frame.code === 'invalid_token' || frame.code === 'account_suspended') {
          forgetAccessToken();
          token = undefined;
          showSignedIn(false);
        }
        chatNotice.textContent = frame.detail;
        return;
      default:
        return;
    }
  };

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const connection = connectRealtime(`${scheme}//${location.host}/ws`, {
    opened() {
      // A new connection is anonymous and in no room until told otherwise.
      if (token) connection.send({ type: 'auth', token });
      connection.send({ type: 'join', channel: slug, viewerId: viewerId() });
    },
    frame: handle,
    closed(retryInMs) {
      chatNotice.textContent = `Disconnected; reconnecting in ${Math.ceil(retryInMs / 1000)} s…`;
    },
  });

  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(signInForm);
    signIn(String(form.get('email') ?? ''), String(form.get('password') ?? '')).then(
      (accessToken) => {
        token = accessToken;
        connection.send({ type: 'auth', token: accessToken });
      },
      (error: unknown) => {
        chatNotice.textContent = error instanceof Error ? error.message : 'Sign-in failed.';
      },
    );
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
      chatNotice.textContent = 'Not connected; try again in a moment.';
    }
  });

  follow(status.dataset.live === 'true');
}
