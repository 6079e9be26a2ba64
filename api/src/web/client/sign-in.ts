/**
 * Just enough sign-in to chat: email and password to `POST /api/v1/auth/login`, the access token kept
 * for this tab only (sessionStorage) and forgotten when /ws refuses it. No refresh: after the token
 * expires (ACCESS_TOKEN_TTL_SECONDS) the viewer signs in again.
 */
import type { TokenPair } from '@streamhub/contracts/auth';
import { problemMessage } from './api-problem.ts';

const STORAGE_KEY = 'streamhub.accessToken';

export function storedAccessToken(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function forgetAccessToken(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {}
}

/** Resolves with the access token, or rejects with a message fit for the viewer. */
export async function signIn(email: string, password: string): Promise<string> {
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(await problemMessage(response, 'Sign-in failed'));
  const { accessToken } = (await response.json()) as TokenPair;
  try {
    sessionStorage.setItem(STORAGE_KEY, accessToken);
  } catch {}
  return accessToken;
}
