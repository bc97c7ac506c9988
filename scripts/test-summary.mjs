// Prints vitest's JSON report as the one line CI reads: "N passed, N failed[, N skipped]".
// A missing or unreadable report is a failure of the run, never "0 failed".
import { readFileSync } from 'node:fs';

const report_path = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(report_path, 'utf8'));
} catch (error) {
  console.error(`no test report at ${report_path}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
const failed =
  report.numFailedTests +
  (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
