/** The pages' one entry module: starts whichever page the server rendered (its <body data-page>). */
import { startResetPasswordPage, startVerifyEmailPage } from './account-pages.ts';
import { startChannelPage } from './channel-page.ts';
import { startDocsPage } from './docs-page.ts';
import { element, readPageData } from './page-data.ts';
import { play } from './player.ts';

const data = readPageData(document.body);
switch (data?.page) {
  case 'channel':
    startChannelPage(data.channel, data.assets);
    break;
  case 'video': {
    const notice = element('player-notice', HTMLParagraphElement);
    void play(element('player', HTMLVideoElement), data.playbackUrl, {
      live: false,
      assets: data.assets,
      failed: (message) => {
        notice.textContent = message;
      },
    });
    break;
  }
  case 'verify-email':
    startVerifyEmailPage();
    break;
  case 'reset-password':
    startResetPasswordPage();
    break;
  case 'docs':
    startDocsPage();
    break;
  default:
    break;
}
