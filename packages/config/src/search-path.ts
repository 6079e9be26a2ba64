/**
 * The directories the operating system searches for a command (`PATH`), split as `child_process` splits
 * them. Read here, with the other environment reads, for the media node's look-up of ffmpeg and setpriv.
 */
import { delimiter } from 'node:path';

export function executableSearchPath(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean);
}
