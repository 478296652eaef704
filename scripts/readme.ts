/**
 * Regenerates the README's generated sections (`npm run readme`): the hyperparameter table from
 * src/config.ts and the benchmark section from bench/results/*.json. test/readme.test.ts fails when either is
 * out of date. Benchmark runs never touch the README themselves.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hyperparameterTable } from '../src/config.js';
import { writeReadmeSection } from '../bench/write.js';

export const HYPERPARAMETERS_PATTERN = /<!-- hyperparameters:start -->[\s\S]*?<!-- hyperparameters:end -->/;

/** The README text with its hyperparameter table regenerated. */
export function withHyperparameterTable(readme: string): string {
  if (!HYPERPARAMETERS_PATTERN.test(readme)) throw new Error('README.md has no <!-- hyperparameters:start/end --> markers');
  return readme.replace(HYPERPARAMETERS_PATTERN, `<!-- hyperparameters:start -->\n${hyperparameterTable()}\n<!-- hyperparameters:end -->`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = fileURLToPath(new URL('../README.md', import.meta.url));
  writeFileSync(path, withHyperparameterTable(readFileSync(path, 'utf8')));
  writeReadmeSection(path);
  console.log(`updated ${path}: hyperparameter table, benchmark section`);
}
