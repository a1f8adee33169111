// Jest reporter used by .ci/run: after every test file it rewrites a small JSON file with the
// running totals and the test files still in progress, so a run that hangs (a test stuck in a
// synchronous loop never hits jest's timeouts) and is killed by the CI watchdog can still report
// how many tests passed and failed, and which files never finished.
// Active only when STRATA_CI_PROGRESS names the output file.
'use strict';
const fs = require('fs');
const path = require('path');

class CiProgressReporter {
  constructor(globalConfig) {
    this.file = process.env.STRATA_CI_PROGRESS || '';
    this.rootDir = (globalConfig && globalConfig.rootDir) || process.cwd();
    this.running = new Map(); // path -> start time
    this.passed = 0;
    this.failed = 0;
    this.failedFiles = [];
  }
  write(complete) {
    if (!this.file) return;
    const data = {
      complete,
      numPassedTests: this.passed,
      numFailedTests: this.failed,
      failedFiles: this.failedFiles,
      running: [...this.running.entries()].map(([p, t]) => ({ file: path.relative(this.rootDir, p), startedAt: t })),
    };
    try {
      fs.writeFileSync(this.file + '.tmp', JSON.stringify(data, null, 1));
      fs.renameSync(this.file + '.tmp', this.file);
    } catch {
      /* best effort */
    }
  }
  onRunStart() {
    this.write(false);
  }
  onTestStart(test) {
    this.running.set(test.path, Date.now());
    this.write(false);
  }
  onTestResult(test, result, aggregated) {
    this.running.delete(test.path);
    this.passed = aggregated.numPassedTests;
    this.failed = aggregated.numFailedTests;
    if (result.testExecError || result.numFailingTests > 0) this.failedFiles.push(path.relative(this.rootDir, test.path));
    this.write(false);
  }
  onRunComplete(_contexts, aggregated) {
    this.passed = aggregated.numPassedTests;
    this.failed = aggregated.numFailedTests;
    this.write(true);
  }
  getLastError() {
    return undefined;
  }
}

module.exports = CiProgressReporter;
