/**
 * Regenerates the README's hyperparameter table from src/algos/config.ts (`npm run readme`); test/readme.test.ts
 * fails when it is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hyperparameterTable } from '../algos/config.js';

const path = new URL('../../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const updated = readme.replace(
  /<!-- hyperparameters:start -->[\s\S]*?<!-- hyperparameters:end -->/,
  `<!-- hyperparameters:start -->\n${hyperparameterTable()}\n<!-- hyperparameters:end -->`,
);
if (updated === readme && !readme.includes('<!-- hyperparameters:start -->')) throw new Error('README.md has no hyperparameters markers');
writeFileSync(path, updated);
