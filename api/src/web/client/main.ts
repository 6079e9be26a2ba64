/** The pages' one entry module: the header's account menu, then the island of the page the server rendered (its <body data-page>). */
import { startAccountMenu } from './account-menu.ts';
import {
  startForgotPasswordPage,
  startResetPasswordPage,
  startSignInPage,
  startSignUpPage,
  startVerifyEmailPage,
} from './account-pages.ts';
import { startAdminInstancePage } from './admin-settings.ts';
import { startAdminLivePage, startAdminUsersPage } from './admin-users.ts';
import { startStudioAnalyticsPage } from './analytics-dashboard.ts';
import { startChannelPage } from './channel-page.ts';
import { startDocsPage } from './docs-page.ts';
import { startHomePage } from './home-page.ts';
import { startNotificationsBell } from './notifications-bell.ts';
import { element, readPageData } from './page-data.ts';
import { startVideoOnPlay } from './player.ts';
import { startSettingsPage } from './settings-page.ts';
import { startStudioChannelPage } from './studio-channel.ts';
import { startStudioClipsPage } from './studio-clips.ts';
import { startStudioEarningsPage } from './studio-earnings.ts';
import { startStudioModerationPage } from './studio-moderation.ts';
import { startStudioRestreamPage } from './studio-restream.ts';
import { startStudioStreamPage } from './studio-stream.ts';
import { startStudioVideosPage } from './studio-videos.ts';
import { startClipForm } from './video-clip.ts';

const data = readPageData(document.body);
// Embedded in another site (the player pages may be): links and the search leave the frame, since
// every other page of the app refuses to be framed.
if (window.top !== window.self) {
  for (const target of document.querySelectorAll<HTMLAnchorElement | HTMLFormElement>(
    'a[href], form[action]',
  )) {
    target.target = '_top';
  }
}
// The API reference has its own layout, without the app's header.
if (data?.page !== 'docs') {
  startAccountMenu();
  startNotificationsBell();
}
switch (data?.page) {
  case 'home':
    void startHomePage();
    break;
  case 'channel':
    startChannelPage(data.channel, data.assets);
    startClipForm('live');
    break;
  case 'video': {
    const player = element('player', HTMLVideoElement);
    startClipForm({ video: player });
    startVideoOnPlay(player, data.playbackUrl, data.assets);
    break;
  }
  case 'sign-in':
    startSignInPage();
    break;
  case 'sign-up':
    startSignUpPage();
    break;
  case 'forgot-password':
    startForgotPasswordPage();
    break;
  case 'verify-email':
    startVerifyEmailPage();
    break;
  case 'reset-password':
    startResetPasswordPage();
    break;
  case 'settings':
    void startSettingsPage();
    break;
  case 'docs':
    startDocsPage();
    break;
  case 'studio':
    void startStudioChannelPage();
    break;
  case 'studio-stream':
    void startStudioStreamPage();
    break;
  case 'studio-analytics':
    void startStudioAnalyticsPage();
    break;
  case 'studio-restream':
    void startStudioRestreamPage();
    break;
  case 'studio-earnings':
    void startStudioEarningsPage();
    break;
  case 'studio-videos':
    void startStudioVideosPage();
    break;
  case 'studio-clips':
    void startStudioClipsPage();
    break;
  case 'studio-moderation':
    void startStudioModerationPage();
    break;
  case 'admin':
    void startAdminUsersPage();
    break;
  case 'admin-live':
    void startAdminLivePage();
    break;
  case 'admin-instance':
    void startAdminInstancePage();
    break;
  default:
    break;
}
