/**
 * Prepares a run, by the same path the gateway server takes: recreates the bench database on the
 * PostgreSQL server and migrates it, creates the signing keys in `--data-dir`, signs one user up and in,
 * and leaves the access token and the public keys in `bench-auth.json` for the load generator and the
 * other servers. Every server then starts from a copy of that directory.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { BENCH_AUTH_FILE, type BenchAuth } from '../protocol.ts';
import { requireArg, serverArgs } from './lifecycle.ts';
import { createBenchDeps } from './streamhub-deps.ts';

const args = serverArgs();
const dataDir = requireArg(args, 'dataDir');
const databaseUrl = requireArg(args, 'databaseUrl');

// A fresh database per run: earlier runs' sessions would make the one-row read cheaper or dearer.
const target = new URL(databaseUrl);
const name = target.pathname.slice(1);
if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected bench database name "${name}"`);
const server = new URL(databaseUrl);
server.pathname = '/postgres';
const admin = postgres(server.href, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${name} with (force)`);
await admin.unsafe(`create database ${name}`);
await admin.end();

const bench = await createBenchDeps({
  logFile: join(dataDir, 'prepare.log'),
  dataDir,
  databaseUrl,
  remoteAddress: () => undefined,
  migrate: true,
});
try {
  const { auth, sessions } = bench.deps.services;
  const account = await auth.register({
    email: 'bench@bench.example',
    username: 'bencher',
    password: 'a bench password of some length',
  });
  const pair = await sessions.start(
    { id: account.id, role: account.role, status: 'active' },
    { userAgent: 'bench', ip: '127.0.0.1' },
  );
  const benchAuth: BenchAuth = {
    token: pair.accessToken,
    userId: account.id,
    issuer: bench.deps.config.publicUrl,
    audience: 'streamhub',
    jwks: bench.deps.signingKeys.jwks as BenchAuth['jwks'],
  };
  await writeFile(join(dataDir, BENCH_AUTH_FILE), `${JSON.stringify(benchAuth)}\n`);
} finally {
  await bench.close();
}
process.exit(0);
