/** What every command needs from its surroundings, so tests can run commands in-process. */
import { type Config, type EnvSource, loadConfig } from '@streamhub/config/config';

export interface CliContext {
  env: EnvSource;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (tables) or a pipe (plain lines). */
  isTty: boolean;
}

export function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
  };
}

export const configFrom = (ctx: CliContext): Config => loadConfig(ctx.env, { cwd: ctx.cwd });
