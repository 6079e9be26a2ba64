import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  DATA_DIR_LOCK_FILE,
  type DataDirHolder,
  DataDirLockedError,
  dataDirHolder,
  lockDataDir,
} from './data-dir-lock.ts';

const HOLDER = fileURLToPath(new URL('./data-dir-lock-holder.ts', import.meta.url));

interface Holder {
  child: ChildProcess;
  /** Resolves with the next line the holder prints. */
  nextLine(): Promise<string>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const scratchDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-lock-'));
  dirs.push(dir);
  return dir;
};

async function startHolder(dataDir: string, ...args: string[]): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dataDir, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const holder: Holder = {
    child,
    nextLine: () => {
      const line = lines.shift();
      return line === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(line);
    },
  };
  expect(await holder.nextLine()).toBe('ready');
  return holder;
}

const lockFile = (dataDir: string) => join(dataDir, DATA_DIR_LOCK_FILE);
const readLock = async (dataDir: string): Promise<DataDirHolder> =>
  JSON.parse(await readFile(lockFile(dataDir), 'utf8'));

describe('lockDataDir', { timeout: 60_000 }, () => {
  it('lets exactly one of several racing processes take the lock', async () => {
    for (let round = 0; round < 3; round++) {
      const dataDir = await scratchDir();
      const racers = await Promise.all([1, 2, 3, 4].map(() => startHolder(dataDir)));
      for (const racer of racers) racer.child.stdin?.write('go\n');
      const answers = await Promise.all(racers.map((racer) => racer.nextLine()));

      const winners = racers.filter((_, i) => answers[i] === 'locked');
      expect(winners, answers.join(', ')).toHaveLength(1);
      const winnerPid = winners[0]?.child.pid;
      expect(answers.filter((answer) => answer === `refused ${winnerPid}`)).toHaveLength(3);
      expect((await readLock(dataDir)).pid).toBe(winnerPid);
      await expect(lockDataDir(dataDir)).rejects.toThrow(DataDirLockedError);

      // Closing stdin makes the winner release the lock and exit.
      for (const racer of racers) racer.child.stdin?.end();
      await Promise.all(racers.map((racer) => racer.child.exitCode ?? once(racer.child, 'exit')));
      expect(existsSync(lockFile(dataDir))).toBe(false);
    }
  });

  it('names the live holder: pid, command and host', async () => {
    const dataDir = await scratchDir();
    const holder = await startHolder(dataDir);
    holder.child.stdin?.write('go\n');
    expect(await holder.nextLine()).toBe('locked');

    const error = await lockDataDir(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).holder).toMatchObject({
      pid: holder.child.pid,
      command: 'lock test holder',
      hostname: hostname(),
      url: null,
    });
    expect((error as Error).message).toBe(
      `${dataDir} is in use by pid ${holder.child.pid}, lock test holder`,
    );
    expect((await dataDirHolder(dataDir))?.pid).toBe(holder.child.pid);
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const dataDir = await scratchDir();
    const holder = await startHolder(dataDir);
    holder.child.stdin?.write('go\n');
    expect(await holder.nextLine()).toBe('locked');
    holder.child.kill('SIGKILL');
    await once(holder.child, 'exit');
    // The dead holder's file is still there: only the pid tells it is stale.
    expect((await readLock(dataDir)).pid).toBe(holder.child.pid);
    expect(await dataDirHolder(dataDir)).toBeUndefined();

    const lock = await lockDataDir(dataDir);
    expect((await readLock(dataDir)).pid).toBe(process.pid);
    await lock.release();
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('removes the lock when the holder exits without releasing it', async () => {
    const dataDir = await scratchDir();
    const holder = await startHolder(dataDir, '--exit');
    holder.child.stdin?.write('go\n');
    expect(await holder.nextLine()).toBe('locked');
    await (holder.child.exitCode ?? once(holder.child, 'exit'));
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    const dataDir = await scratchDir();
    const lock = await lockDataDir(dataDir);
    const mine = lock.holder;
    await lock.release();
    // The pid of a live process (this one), with the start time of some earlier process.
    await writeFile(lockFile(dataDir), JSON.stringify({ ...mine, processStart: '1', token: 'old' }));
    expect(await dataDirHolder(dataDir)).toBeUndefined();
    const again = await lockDataDir(dataDir);
    expect((await readLock(dataDir)).token).toBe(again.holder.token);
    await again.release();
  });

  it('refuses a holder on another host, and a second open in the same process', async () => {
    const dataDir = await scratchDir();
    await writeFile(
      lockFile(dataDir),
      JSON.stringify({ pid: 999_999, hostname: 'elsewhere', command: 'streamhub dev', token: 't' }),
    );
    await expect(lockDataDir(dataDir)).rejects.toThrow(/in use by pid 999999 on elsewhere, streamhub dev/);
    await rm(lockFile(dataDir));

    const lock = await lockDataDir(dataDir);
    await expect(lockDataDir(dataDir)).rejects.toThrow(DataDirLockedError);
    await lock.setUrl('http://127.0.0.1:4321');
    expect(await dataDirHolder(dataDir)).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:4321' });
    await lock.release();
    await lock.release();
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('replaces an unreadable lock file', async () => {
    const dataDir = await scratchDir();
    await writeFile(lockFile(dataDir), 'not json');
    const lock = await lockDataDir(dataDir);
    expect((await readLock(dataDir)).token).toBe(lock.holder.token);
    await lock.release();
  });
});
