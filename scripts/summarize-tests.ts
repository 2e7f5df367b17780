/**
 * Adds up every runner's machine-readable report in a results folder and prints one closing line,
 * "N passed, N failed[, N skipped]", the only line CI reads. Exits 1 when anything failed, a report
 * is missing, or a runner exited non-zero without reporting a failed test (e.g. a global teardown
 * that found leaked resources): each of those counts as one failure, named above the line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const CheckReport = z.object({ runner: z.string(), exitCode: z.number() });
const VitestReport = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number().optional(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().optional(),
      assertionResults: z.array(z.object({ fullName: z.string(), status: z.string() })),
    }),
  ),
});

const dir = process.argv[2] ?? '.test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
const problems: string[] = [];

const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
for (const f of files.filter((x) => x.endsWith('.check.json'))) {
  const r = CheckReport.parse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  if (r.exitCode === 0) passed++;
  else {
    failed++;
    problems.push(`${r.runner} failed (exit ${r.exitCode}); see ${dir}/${r.runner}.log`);
  }
}

const vitestFile = path.join(dir, 'vitest.json');
const exitFile = path.join(dir, 'vitest.exit.json');
const vitestExit = fs.existsSync(exitFile)
  ? CheckReport.parse(JSON.parse(fs.readFileSync(exitFile, 'utf8'))).exitCode
  : undefined;
if (!fs.existsSync(vitestFile)) {
  failed++;
  problems.push('vitest wrote no report (it crashed or did not run)');
} else {
  const v = VitestReport.parse(JSON.parse(fs.readFileSync(vitestFile, 'utf8')));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
  for (const file of v.testResults) {
    for (const a of file.assertionResults) if (a.status === 'failed') problems.push(`failed: ${a.fullName}`);
    // A file that failed to load or whose hooks failed has no failed assertion but a failed status.
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) {
      failed++;
      problems.push(
        `failed to run: ${path.relative(process.cwd(), file.name)}: ${(file.message ?? '').split('\n')[0]}`,
      );
    }
  }
  if (vitestExit !== undefined && vitestExit !== 0 && failed === 0) {
    failed++;
    problems.push(
      `vitest exited ${vitestExit} without a failed test (global setup or teardown failed; see its output above)`,
    );
  }
}

if (problems.length) {
  console.log('\nProblems:');
  for (const p of problems) console.log(`  - ${p}`);
}
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
fs.writeFileSync(path.join(dir, 'summary.txt'), `${line}\n`);
console.log(line);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
