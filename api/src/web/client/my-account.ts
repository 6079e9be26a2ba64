/**
 * The page's first `GET /api/v1/me`, asked once: the header's account menu and the page's own island
 * (studio, admin, settings) both need the account as the page opens, which cost two identical requests.
 */
import { authFetch } from './auth-session.ts';

let firstAnswer: Promise<Response> | undefined;

/** The answer to the page's first `GET /api/v1/me`, a copy for each caller (a body is read only once). */
export function pageAccount(): Promise<Response> {
  firstAnswer ??= authFetch('/api/v1/me');
  return firstAnswer.then((response) => response.clone());
}
