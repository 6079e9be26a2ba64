/** What end-to-end tests observe of the `user.deleted` consumers in worker processes: their log lines. */
import { jsonLines } from './cli-process.ts';
import type { ServedProcess } from './deployment.ts';

/** The lines the two consumers log once they have done their work, one each per run (sorted). */
export const ACCOUNT_CLEANED_UP = [
  "removed a deleted account's video files",
  "removed likes and comments on a deleted account's broadcasts and videos",
];

/** The consumers' clean-up lines these workers logged for `userId`, one per run, sorted. */
export function accountCleanupsLogged(workers: readonly ServedProcess[], userId: string): string[] {
  return workers
    .flatMap((worker) => jsonLines(worker.child))
    .filter((line) => line.userId === userId && ACCOUNT_CLEANED_UP.includes(String(line.msg)))
    .map((line) => String(line.msg))
    .sort();
}
