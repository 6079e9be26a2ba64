import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchPostgresDatabase } from '@streamhub/db/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'streamhub-cli-'));

describe('streamhub (provisioning commands)', () => {
  it('prints help and the version for every command', async () => {
    const cwd = tempDir();
    const version = await runCli(['--version'], { cwd });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const commands = [
      [],
      ['init'],
      ['db', 'migrate'],
      ['keys', 'generate'],
      ['keys', 'rotate'],
      ['serve', 'api'],
      ['dev'],
      ['status'],
    ];
    for (const command of commands) {
      const help = await runCli([...command, '--help'], { cwd });
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: streamhub');
    }
  });

  it('refuses a bad setting with one line naming the variable', async () => {
    const result = await runCli(['dev'], { cwd: tempDir(), env: { PORT: 'abc' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'streamhub: Invalid configuration: PORT must be a whole number from 1 to 65535 (got "abc")\n',
    );
  });

  it('rejects an unknown command or option with a non-zero exit', async () => {
    const result = await runCli(['launch'], { cwd: tempDir() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'launch'");
  });

  it('init writes a private .env with generated secrets and refuses to overwrite it', async () => {
    const cwd = tempDir();
    const first = await runCli(['init', '--port', '4100'], { cwd });
    expect(first.code).toBe(0);
    const envFile = join(cwd, '.env');
    const content = readFileSync(envFile, 'utf8');
    expect(content).toMatch(/^METRICS_TOKEN=[\w-]{40,}$/m);
    expect(content).toContain('PORT=4100');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, '.streamhub')).isDirectory()).toBe(true);
    expect(statSync(join(cwd, '.streamhub', 'keys', 'signing-keys.json')).mode & 0o777).toBe(0o600);

    const second = await runCli(['init'], { cwd });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`streamhub: ${envFile} already exists; pass --force to overwrite it\n`);
    expect(readFileSync(envFile, 'utf8')).toBe(content);

    const forced = await runCli(['init', '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).not.toBe(content);
  });

  it('init refuses invalid values without writing anything', async () => {
    const cwd = tempDir();
    const result = await runCli(['init', '--port', 'http'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^streamhub: Invalid configuration: PORT .*\n$/);
    expect(() => statSync(join(cwd, '.env'))).toThrow();
  });

  it('db migrate is idempotent on embedded PGlite', async () => {
    const cwd = tempDir();
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['db', 'migrate'], { cwd });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Database is up to date (PGlite in');
    }
  });

  it('db migrate is idempotent on PostgreSQL and reads DATABASE_URL from .env', async () => {
    const scratch = await createScratchPostgresDatabase();
    try {
      const cwd = tempDir();
      writeFileSync(join(cwd, '.env'), `DATABASE_URL=${scratch.url}\n`);
      for (let i = 0; i < 2; i++) {
        const result = await runCli(['db', 'migrate'], { cwd });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('Database is up to date (PostgreSQL)');
      }
    } finally {
      await scratch.drop();
    }
  });

  it('keys generate writes a key file once, rotate prepends, --print writes nothing', async () => {
    const cwd = tempDir();
    const file = join(cwd, '.streamhub', 'keys', 'signing-keys.json');
    expect((await runCli(['keys', 'generate'], { cwd })).stdout).toContain('Created signing keys at');
    expect((await runCli(['keys', 'generate'], { cwd })).stdout).toContain('Kept the existing signing keys');
    const rotated = await runCli(['keys', 'rotate'], { cwd });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^New signing key [0-9a-f-]{36}; 2 key\(s\) kept/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] }).keys).toHaveLength(2);

    const elsewhere = tempDir();
    const printed = await runCli(['keys', 'generate', '--print'], { cwd: elsewhere });
    expect(JSON.parse(printed.stdout)).toMatchObject({ keys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256' }] });
    expect(() => statSync(join(elsewhere, '.streamhub'))).toThrow();
  });

  it('status exits non-zero with one line when no gateway answers', async () => {
    const port = await freePort();
    const result = await runCli(['status', '--url', `http://127.0.0.1:${port}`], { cwd: tempDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `streamhub: cannot reach StreamHub at http://127.0.0.1:${port} (connection failed)\n`,
    );
  });
});
