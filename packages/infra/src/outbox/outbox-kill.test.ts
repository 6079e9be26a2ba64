/**
 * Durability across a killed process, on PostgreSQL and Redis (a PGlite directory must never be opened by
 * two processes): the change and its event commit, the producer is SIGKILLed before any relay ran; a
 * relay is SIGKILLed between enqueueing and marking; a restarted process still handles the event, once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createScratchPostgresDatabase, type ScratchPostgresDatabase } from '@streamhub/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { commitChange, countRows, createTestTables, readEffects } from './testing.ts';

const CHILD = fileURLToPath(new URL('./kill-test.child.ts', import.meta.url));
const prefix = randomTestPrefix('outbox-kill');

interface Running {
  child: ChildProcess;
  lines: unknown[];
  /** Resolves with the first printed message that has `key`. */
  waitFor(key: string): Promise<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
let scratch: ScratchPostgresDatabase;
let database: Database;

beforeAll(async () => {
  scratch = await createScratchPostgresDatabase();
  database = await openDatabase({ databaseUrl: scratch.url });
  await migrateDatabase(database);
  await createTestTables(database.db);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await database?.close();
  await scratch?.drop();
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

function start(mode: string): Running {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, mode, scratch.url, TEST_REDIS_URL, prefix],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const lines: unknown[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
  });
  const waitFor = (key: string) =>
    vi.waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`child ${mode} exited: ${stderr}`);
        const found = lines.find(
          (line): line is Record<string, unknown> => typeof line === 'object' && line !== null && key in line,
        );
        if (!found) throw new Error(`no "${key}" from ${mode} yet`);
        return found;
      },
      { timeout: 20_000, interval: 20 },
    );
  return { child, lines, waitFor };
}

async function kill(running: Running): Promise<void> {
  const exited = once(running.child, 'exit');
  running.child.kill('SIGKILL');
  await exited;
}

const handledLines = (running: Running, id: string) =>
  running.lines.filter(
    (line) => typeof line === 'object' && line !== null && (line as { handled?: string }).handled === id,
  );

describe('outbox across killed processes (PostgreSQL + Redis)', () => {
  it('handles, once, an event whose producer and first relay were SIGKILLed', async () => {
    // 1. The producer commits and dies before any relay saw the event.
    const producer = start('produce');
    const { committed: eventId } = await producer.waitFor('committed');
    await kill(producer);
    expect(typeof eventId).toBe('string');
    expect(await countRows(database.db, 'public.outbox_test_state', "key = 'killed'")).toBe(1);
    expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(1);

    // 2. A relay enqueues its job and dies before marking the row published.
    const stalled = start('relay-stall');
    const { enqueued } = await stalled.waitFor('enqueued');
    expect(enqueued).toEqual([eventId]);
    await kill(stalled);
    expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(1);

    // 3. A restarted process relays again (the same job id: a no-op) and runs the consumer.
    const served = start('serve');
    await served.waitFor('ready');
    await vi.waitFor(
      async () => expect(await countRows(database.db, 'events.outbox', 'published_at is null')).toBe(0),
      { timeout: 20_000, interval: 20 },
    );
    await vi.waitFor(async () => expect(await countRows(database.db, 'events.handled')).toBe(1), {
      timeout: 20_000,
      interval: 20,
    });
    // A later event through the same process proves the pipeline drained; the first still ran once.
    const later = await commitChange(database.db, 'later', 2);
    await vi.waitFor(() => expect(handledLines(served, later)).toHaveLength(1), {
      timeout: 20_000,
      interval: 20,
    });
    expect(handledLines(served, String(eventId))).toHaveLength(1);
    const effects = await readEffects(database.db);
    expect(effects.filter((effect) => effect.eventId === eventId)).toHaveLength(1);

    const exited = once(served.child, 'exit');
    served.child.kill('SIGTERM');
    await exited;
  });
});
