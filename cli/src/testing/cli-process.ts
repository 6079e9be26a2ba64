/** Runs the real `streamhub` binary in a child process, on Node (tsx) or Bun, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../bin/streamhub.mjs', import.meta.url));

export type Runtime = 'node' | 'bun';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd: string;
  runtime?: Runtime;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
}

// Tests pass the whole environment explicitly so that the developer's shell (or a .env) cannot leak in.
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env };
}

export type CliChild = ChildProcess & { output(): CliResult };

export function startCli(args: string[], options: CliOptions): CliChild {
  return startProcess(options.runtime ?? 'node', [CLI_BIN, ...args], options);
}

/** Runs a TypeScript file on Node (tsx), with the same environment rules and output capture as `startCli`. */
export function startScript(path: string, args: string[], options: CliOptions): CliChild {
  // Resolved here: the child's working directory is a temporary one, where `tsx` would not resolve.
  return startProcess('node', ['--import', import.meta.resolve('tsx'), path, ...args], options);
}

function startProcess(command: string, args: string[], options: CliOptions): CliChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

/** The argv of `streamhub user create` for `username` (at example.com unless `email`), its password on stdin. */
export function userCreateArgs(
  username: string,
  options: { email?: string; role?: string; json?: boolean } = {},
) {
  return [
    'user',
    'create',
    '--email',
    options.email ?? `${username}@example.com`,
    '--username',
    username,
    ...(options.role ? ['--role', options.role] : []),
    '--password-stdin',
    ...(options.json ? ['--json'] : []),
  ];
}

/** Runs a command to completion. */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = startCli(args, options);
  // 'close', unlike 'exit', waits until stdout and stderr are drained.
  const [code] = (await once(child, 'close')) as [number | null];
  return { ...child.output(), code };
}

/** Polls `url` until it answers 2xx or the deadline passes. */
export async function waitForOk(url: string, timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** The JSON lines a process printed on stdout so far (pino log lines, a test script's messages). */
export function jsonLines(child: CliChild): Record<string, unknown>[] {
  return child
    .output()
    .stdout.split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
      } catch {
        return []; // the last line, still being written
      }
    });
}

/** Polls the JSON lines of `child` until one matches; fails when it exits first or the deadline passes. */
export async function waitForLine(
  child: CliChild,
  match: (line: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = jsonLines(child).find(match);
    if (found) return found;
    const { code, stderr } = child.output();
    if (code !== null || child.signalCode !== null) {
      throw new Error(`process exited (${code ?? child.signalCode}) before the line came: ${stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`no matching line within ${timeoutMs} ms: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends `signal` and resolves once the process has exited. */
export async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export async function waitForExit(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}
