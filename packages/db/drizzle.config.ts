import { defineConfig } from 'drizzle-kit';

// Paths are relative to the repository root, where `bun run db:generate` runs.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema/*.ts',
  out: './packages/db/drizzle',
});
