import { defineConfig } from 'vitest/config';

// CI asks for a JSON report beside the console summary (.ci/run turns it into its tally line).
const jsonReport = process.env.STREAMHUB_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['{api,media-node,cli,packages,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
