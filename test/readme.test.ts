/**
 * The README's generated parts are current (regenerate both with `npm run readme`): the hyperparameter table is
 * CONFIG_KEYS and the defaults, and the benchmark section is what bench/results/*.json say.
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { withHyperparameterTable } from '../scripts/readme.js';
import { RESULTS_DIR, writeReadmeSection } from '../bench/write.js';

test('the README hyperparameter table matches src/config.ts (regenerate: npm run readme)', () => {
  const readme = readFileSync('README.md', 'utf8');
  expect(withHyperparameterTable(readme)).toBe(readme);
});

test('the README benchmark section matches bench/results (regenerate: npm run readme)', () => {
  // The copy sits where the README does relative to bench/results, so the links come out the same.
  const copy = join(process.cwd(), `.readme-check-${process.pid}.md`);
  copyFileSync('README.md', copy);
  try {
    writeReadmeSection(copy, RESULTS_DIR);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync('README.md', 'utf8'));
  } finally {
    rmSync(copy, { force: true });
  }
});
