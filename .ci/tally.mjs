// Prints the one line CI records, from Vitest's JSON report.
import { readFileSync } from 'node:fs';

const path = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch {
  console.log('tests: 0 passed, 1 failed');
  console.error(`no test report at ${path}: the test run did not finish`);
  process.exit(1);
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const line = `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`;
console.log(skipped > 0 ? `${line}, ${skipped} skipped` : line);
