/** Test helpers of the analytics domain: a player's beacons over the gateway app. */
import {
  type BeaconRequest,
  type StartedView,
  StartedViewSchema,
  type StartViewRequest,
} from '@streamhub/contracts/analytics';
import { expect } from 'vitest';
import type { GatewayApp } from '../../app.ts';
import type { SignedInUser } from '../../testing/auth-helpers.ts';

export const FIREFOX_DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

export const post = (
  body: unknown,
  options: { user?: SignedInUser; userAgent?: string } = {},
): RequestInit => ({
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    'User-Agent': options.userAgent ?? FIREFOX_DESKTOP,
    ...(options.user ? { Authorization: options.user.authorization } : {}),
  },
  body: JSON.stringify(body),
});

export async function startView(
  app: GatewayApp,
  request: StartViewRequest,
  options: { user?: SignedInUser; userAgent?: string } = {},
): Promise<StartedView> {
  const response = await app.request('/api/v1/analytics/views', post(request, options));
  expect(response.status, await response.clone().text()).toBe(201);
  return StartedViewSchema.parse(await response.json());
}

export type BeaconState = Omit<
  BeaconRequest,
  'token' | 'rebufferCount' | 'rebufferMs' | 'renditionSwitches'
> &
  Partial<Pick<BeaconRequest, 'rebufferCount' | 'rebufferMs' | 'renditionSwitches'>>;

export async function sendBeacon(app: GatewayApp, view: StartedView, state: BeaconState): Promise<void> {
  const response = await app.request('/api/v1/analytics/beacons', post({ token: view.token, ...state }));
  expect(response.status, await response.clone().text()).toBe(202);
}
