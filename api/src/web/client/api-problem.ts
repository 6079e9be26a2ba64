/** Reading the API's problem+json answers (RFC 9457) into a sentence for the reader. */
import type { Problem } from '@streamhub/contracts/problem';

/**
 * The problem's `detail`, followed by the failing fields' messages when it lists them (a
 * `validation_failed` detail alone only says that a field is invalid).
 */
export async function problemMessage(response: Response, fallback: string): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as Partial<Problem> | undefined;
  if (typeof body?.detail !== 'string') return `${fallback} (${response.status}).`;
  const fields = Array.isArray(body.errors)
    ? body.errors.map((error) => `${fieldName(error.path)} ${error.message}.`)
    : [];
  return [body.detail, ...fields].join(' ');
}

// `body.password` → `password`: the reader knows the form, not the request's layout.
function fieldName(path: string): string {
  const name = path.replace(/^(body|query|params)\./, '');
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/\./g, ' ');
}
