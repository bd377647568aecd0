/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after jest's own summary so CI
 * can read the outcome whatever the runner's format.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests + failedSuites} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
