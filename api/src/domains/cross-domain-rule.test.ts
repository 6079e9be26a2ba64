/**
 * The cross-domain data rule (docs/architecture.md), enforced on every domain's code:
 * - a domain writes (`insert(`, `update(`, `delete(`) only the tables of its own Postgres schema;
 * - it joins another domain's table only when the owner lists that table in READ_EXPORTS, and only on
 *   the columns listed there;
 * - no import cycle between domain folders.
 * Tests and test kits are left out: they set up fixtures in any table and assemble several domains.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { READ_EXPORTS } from '@streamhub/db/read-exports';
import { is, Table } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';

const DOMAINS_DIR = fileURLToPath(new URL('.', import.meta.url));
const SCHEMA_DIR = fileURLToPath(new URL('../../../packages/db/src/schema/', import.meta.url));

interface TableInfo {
  /** The Postgres schema, which is the owning domain's name. */
  owner: string;
  name: string;
  exportedColumns: readonly string[] | undefined;
}

/** Every table of every schema module, by the exported name it is imported under, per module. */
async function loadTables(): Promise<Map<string, Map<string, TableInfo>>> {
  const exportedColumns = new Map<Table, readonly string[]>();
  for (const list of Object.values(READ_EXPORTS)) {
    for (const entry of list) exportedColumns.set(entry.table, entry.columns);
  }
  const modules = new Map<string, Map<string, TableInfo>>();
  for (const file of readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.ts'))) {
    const module: Record<string, unknown> = await import(join(SCHEMA_DIR, file));
    const tables = new Map<string, TableInfo>();
    for (const [exportName, value] of Object.entries(module)) {
      if (!is(value, Table)) continue;
      const config = getTableConfig(value as PgTable);
      tables.set(exportName, {
        owner: config.schema ?? 'public',
        name: `${config.schema}.${config.name}`,
        exportedColumns: exportedColumns.get(value),
      });
    }
    modules.set(file.replace(/\.ts$/, ''), tables);
  }
  return modules;
}

const SCHEMA_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@streamhub\/db\/schema\/([\w-]+)';/g;

/** What the rule finds wrong in one domain file: one line per violation, naming file and table. */
function violationsIn(
  domain: string,
  file: string,
  source: string,
  tables: Map<string, Map<string, TableInfo>>,
): string[] {
  const found: string[] = [];
  // Module paths (`../users/users.repository.ts`) and comments are not column reads.
  const code = source
    .replace(/^import[^;]*;$/gm, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const foreign = new Map<string, TableInfo>();
  for (const [, typeOnly, names, module] of source.matchAll(SCHEMA_IMPORT)) {
    if (typeOnly || !names || !module) continue;
    for (const item of names.split(',').map((part) => part.trim())) {
      if (!item || item.startsWith('type ')) continue;
      const [imported = item, local = imported] = item.split(/\s+as\s+/);
      const table = tables.get(module)?.get(imported);
      if (table && table.owner !== domain) foreign.set(local, table);
    }
  }
  // Aliases (`alias(users, 'actor')`) read the same table.
  for (const [local, table] of [...foreign]) {
    for (const [, aliasName] of code.matchAll(new RegExp(`(\\w+)\\s*=\\s*alias\\(\\s*${local}\\b`, 'g'))) {
      if (aliasName) foreign.set(aliasName, table);
    }
  }
  for (const [local, table] of foreign) {
    for (const [, kind] of code.matchAll(
      new RegExp(`\\.(insert|update|delete)\\(\\s*${local}\\s*\\)`, 'g'),
    )) {
      found.push(`${file}: writes ${table.name} (${kind}), a table of ${table.owner}`);
    }
    if (!table.exportedColumns) {
      found.push(`${file}: reads ${table.name}, which ${table.owner} does not export for reads`);
      continue;
    }
    const used = new Set([...code.matchAll(new RegExp(`\\b${local}\\.(\\w+)`, 'g'))].map((m) => m[1] ?? ''));
    for (const column of used) {
      if (!table.exportedColumns.includes(column)) {
        found.push(`${file}: reads ${table.name}.${column}, which ${table.owner} does not export for reads`);
      }
    }
  }
  return found;
}

function domainFiles(): { domain: string; file: string; source: string }[] {
  const files: { domain: string; file: string; source: string }[] = [];
  for (const domain of readdirSync(DOMAINS_DIR, { withFileTypes: true })) {
    if (!domain.isDirectory()) continue;
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$|-test-kit\.ts$/.test(entry.name)) {
          files.push({
            domain: domain.name,
            file: relative(DOMAINS_DIR, path),
            source: readFileSync(path, 'utf8'),
          });
        }
      }
    };
    walk(join(DOMAINS_DIR, domain.name));
  }
  return files;
}

/** The cycles of a directed graph, each as the path that closes it (`a -> b -> a`). */
function cyclesOf(graph: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('the cross-domain data rule', () => {
  it('no domain writes another domain’s table or reads one its owner does not export', async () => {
    const tables = await loadTables();
    const violations = domainFiles().flatMap(({ domain, file, source }) =>
      violationsIn(domain, file, source, tables),
    );
    expect(violations).toEqual([]);
  });

  it('names the file and table of a foreign write, an unexported table and an unexported column', async () => {
    const tables = await loadTables();
    const source = [
      "import { users } from '@streamhub/db/schema/users';",
      "import { chatSettings } from '@streamhub/db/schema/chat';",
      "import { type VideoRow, uploads as vids } from '@streamhub/db/schema/videos';",
      'const owner = alias(users, "owner");',
      'db.select({ hash: owner.passwordHash, name: users.username }).from(users);',
      'db.update(users).set({ bio: "x" });',
      'db.select().from(chatSettings);',
      'db.select().from(vids);',
    ].join('\n');
    expect(violationsIn('engagement', 'engagement/x.ts', source, tables)).toEqual([
      'engagement/x.ts: writes users.users (update), a table of users',
      'engagement/x.ts: reads chat.chat_settings, which chat does not export for reads',
      'engagement/x.ts: reads videos.uploads, which videos does not export for reads',
      'engagement/x.ts: reads users.users.passwordHash, which users does not export for reads',
    ]);
    // The owner may do all of it.
    expect(violationsIn('users', 'users/x.ts', source.split('\n').slice(0, 1).join('\n'), tables)).toEqual(
      [],
    );
  });

  it('has no import cycle between domain folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const { domain, source } of domainFiles()) {
      const targets = graph.get(domain) ?? new Set<string>();
      graph.set(domain, targets);
      for (const [, target] of source.matchAll(/from\s+'\.\.\/([\w-]+)\/[^']*'/g)) {
        if (target && target !== domain) targets.add(target);
      }
    }
    expect(cyclesOf(graph)).toEqual([]);
    expect(
      cyclesOf(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a -> b -> c -> a']);
  });
});
