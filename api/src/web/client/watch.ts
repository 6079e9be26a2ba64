/** The watch page's entry module: starts the channel or video page the server rendered. */
import { startChannelPage } from './channel-page.ts';
import { element, readPageData } from './page-data.ts';
import { play } from './player.ts';

const data = readPageData(document.body);
if (data?.page === 'channel') {
  startChannelPage(data.channel, data.assets);
} else if (data?.page === 'video') {
  const notice = element('player-notice', HTMLParagraphElement);
  void play(element('player', HTMLVideoElement), data.playbackUrl, {
    live: false,
    assets: data.assets,
    failed: (message) => {
      notice.textContent = message;
    },
  });
}
