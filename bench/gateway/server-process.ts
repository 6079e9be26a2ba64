/** Starts one server under test on the server core and waits for its ready line. */
import { spawnPinned, stopProcess, watchOutput } from './processes.ts';
import { isReadyMessage, type ReadyMessage } from './protocol.ts';
import type { ServerSpec } from './servers.ts';

export interface RunningServerProcess {
  pid: number;
  ready: ReadyMessage;
  /** How the process ended, with its last stderr lines, if it has ended; null while it runs. */
  exit(): string | null;
  stop(): Promise<void>;
}

export function startServerProcess(
  spec: ServerSpec,
  options: { cpu: number; logFile: string; dataDir: string; databaseUrl: string; timeoutMs?: number },
): Promise<RunningServerProcess> {
  const server = spawnPinned(options.cpu, spec.command, [
    ...spec.args,
    '--log-file',
    options.logFile,
    '--data-dir',
    options.dataDir,
    '--database-url',
    options.databaseUrl,
  ]);
  const { child } = server;
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${spec.id}: ${reason}\n${stderrTail()}`));
    };
    const timer = setTimeout(() => fail('no ready line in time'), options.timeoutMs ?? 60_000);
    const stderrTail = watchOutput(child, (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (!isReadyMessage(message)) return;
      clearTimeout(timer);
      child.removeListener('exit', onEarlyExit);
      const pid = child.pid;
      if (pid === undefined) return fail('no pid');
      let ended: string | null = null;
      child.once('exit', (code, signal) => {
        ended = `exited with ${signal ?? `code ${code}`}`;
      });
      resolve({
        pid,
        ready: message,
        exit: () => (ended === null ? null : `${ended}\n${stderrTail()}`),
        stop: () => stopProcess(server),
      });
    });
    const onEarlyExit = (code: number | null) => fail(`exited with ${code} before it was ready`);
    child.once('exit', onEarlyExit);
    child.once('error', (error) => fail(error.message));
  });
}
