// A jest reporter that ends the run with the time spent per test kernel:
// the summed durations of the tests under each `on debian:K` group
// (test/helpers/guest.ts names them so), and of the tests under none
// (unit, golden, docs). With two workers two tests run at once, so the
// sums add up to about twice the wall time; they say where the suite's
// time goes, per kernel, in every run (the kernels issue asks for it).
// Plain JavaScript: jest loads reporters without transforming them.
const KERNEL_GROUP = /^on (\S+)$/;

export default class KernelTimesReporter {
  onRunComplete(_contexts, results) {
    const rows = new Map();
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        const group = t.ancestorTitles.map((a) => KERNEL_GROUP.exec(a)?.[1]).find(Boolean) ?? 'no kernel';
        const row = rows.get(group) ?? { tests: 0, failed: 0, ms: 0 };
        row.tests += 1;
        if (t.status === 'failed') row.failed += 1;
        row.ms += t.duration ?? 0;
        rows.set(group, row);
      }
    }
    if (rows.size === 0) return;
    const lines = [...rows].sort(([a], [b]) => (a === 'no kernel') - (b === 'no kernel') || a.localeCompare(b, 'en', { numeric: true }));
    const width = Math.max(...lines.map(([k]) => k.length));
    process.stderr.write(
      `\nTest time per kernel (summed test durations; ${results.numTotalTestSuites} files, wall ${Math.round((Date.now() - results.startTime) / 1000)} s):\n` +
        lines.map(([k, r]) => `  ${k.padEnd(width)}  ${String(r.tests).padStart(5)} tests  ${String(r.failed).padStart(3)} failed  ${String(Math.round(r.ms / 1000)).padStart(6)} s\n`).join(''),
    );
  }
}
