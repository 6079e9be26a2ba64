/** Calling user-supplied observability hooks without letting them break the caller. */
import { toError } from './timers.ts';

/** Runs `hook`; anything it throws goes to `onError` instead of up the stack. */
export function callSafely(hook: () => void, onError: (error: Error) => void): void {
  try {
    hook();
  } catch (error) {
    onError(toError(error));
  }
}
