// Print vitest's JSON report as one plain line: `N passed, N failed, N skipped`.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
if (!existsSync(file)) {
  console.log('0 passed, 0 failed');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
