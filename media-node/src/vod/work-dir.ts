/**
 * Makes processing idempotent: every attempt writes into a fresh hidden directory inside the local
 * directory the media storage hands out for the video's prefix, and only a complete result is moved into
 * place (and synced to the storage). Hidden names are never objects, so the work directory stays local. A crashed attempt leaves at most a
 * hidden directory (and perhaps its ffmpeg still running), which the next attempt removes (and stops)
 * before it starts; outputs of two attempts never mix and never appear twice.
 *
 * The output directory also holds files that are not ours (the uploaded `source`), so outputs are
 * swapped file by file, recognised by name, rather than by renaming the whole directory.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { keyIn, nameIn } from '@streamhub/infra/media-storage/keys';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import { MASTER_PLAYLIST } from './vod-ladder.ts';

const WORK_DIR_PREFIX = '.processing-';
const PID_FILE = '.ffmpeg-pids';

/** Files the pipeline writes: master and variant playlists, segments, poster, storyboard. */
export function isVodOutput(name: string): boolean {
  return /^(master\.m3u8|\d+p\.m3u8|\d+p-\d+\.ts|poster\.jpg|storyboard\.(jpg|vtt))$/.test(name);
}

/** Removes what earlier attempts left in `outputDir` and creates this attempt's empty work directory. */
export async function openWorkDir(outputDir: string): Promise<string> {
  await mkdir(outputDir, { recursive: true });
  for (const entry of await readdir(outputDir)) {
    if (!entry.startsWith(WORK_DIR_PREFIX)) continue;
    const leftover = join(outputDir, entry);
    await stopStrayFfmpeg(leftover);
    await rm(leftover, { recursive: true, force: true });
  }
  const workDir = join(outputDir, `${WORK_DIR_PREFIX}${randomUUID()}`);
  await mkdir(workDir);
  return workDir;
}

/** Notes an ffmpeg pid working for `workDir`, so that a later attempt can stop it if this process dies. */
export async function recordFfmpegPid(workDir: string, pid: number): Promise<void> {
  await appendFile(join(workDir, PID_FILE), `${pid}\n`);
}

/**
 * A worker killed mid-transcode where setpriv is missing (see `../ffmpeg/spawn.ts`) leaves its ffmpeg
 * running (ffmpeg ignores the broken pipe). Stop it, but only when /proc shows that pid still writing into
 * this very directory: pids get reused.
 */
async function stopStrayFfmpeg(workDir: string): Promise<void> {
  const pids = await readFile(join(workDir, PID_FILE), 'utf8').catch(() => '');
  for (const pid of pids.split('\n').map(Number)) {
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(workDir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
}

/**
 * Replaces the previous outputs under the output's prefix with the work directory's files and removes the
 * work directory. The old master goes first and the new master last, so no player ever starts on a
 * half-replaced ladder; the files are synced to the storage in that order too.
 */
export async function publishWorkDir(
  workDir: string,
  output: LocalDirectory,
  media: Pick<MediaStorage, 'list' | 'delete'>,
): Promise<void> {
  const produced = (await readdir(workDir)).filter(isVodOutput);
  if (!produced.includes(MASTER_PLAYLIST)) throw new Error('The work directory holds no master playlist');
  const previous = (await media.list(output.prefix))
    .map((entry) => nameIn(output.prefix, entry.key))
    .filter((name): name is string => name !== undefined && isVodOutput(name));
  previous.sort((a, b) => Number(b === MASTER_PLAYLIST) - Number(a === MASTER_PLAYLIST));
  for (const name of previous) await media.delete(keyIn(output.prefix, name));
  produced.sort((a, b) => Number(a === MASTER_PLAYLIST) - Number(b === MASTER_PLAYLIST));
  for (const name of produced) await rename(join(workDir, name), join(output.path, name));
  await output.sync(produced);
  await rm(workDir, { recursive: true, force: true });
}

/** Removes a work directory after a failed attempt (a crash leaves it to {@link openWorkDir}). */
export async function discardWorkDir(workDir: string): Promise<void> {
  await rm(workDir, { recursive: true, force: true });
}
