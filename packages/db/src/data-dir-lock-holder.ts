/**
 * A process for the lock tests: `node --import tsx data-dir-lock-holder.ts <dataDir> [--exit]`. Prints
 * `ready`, waits for `go` on stdin, then tries the lock and prints `locked` or `refused <pid>`. A
 * winner stays until stdin closes (releasing the lock), or with `--exit` ends with process.exit
 * without releasing it.
 */
import { createInterface } from 'node:readline';
import { type DataDirLock, DataDirLockedError, lockDataDir } from './data-dir-lock.ts';

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: data-dir-lock-holder.ts <dataDir> [--exit]');
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
let lock: DataDirLock | undefined;
for await (const line of lines) {
  if (line !== 'go') continue;
  try {
    lock = await lockDataDir(dataDir, { command: 'lock test holder' });
    process.stdout.write('locked\n');
    if (mode === '--exit') process.exit(0);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    process.stdout.write(`refused ${error.holder.pid}\n`);
    process.exit(0);
  }
}
await lock?.release();
