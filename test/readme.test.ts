/** The README's generated parts are current: the hyperparameter table is CONFIG_KEYS and the defaults. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { hyperparameterTable } from '../src/algos/config.js';

test('the README hyperparameter table matches src/algos/config.ts (regenerate: npm run readme)', () => {
  const readme = readFileSync('README.md', 'utf8');
  const match = /<!-- hyperparameters:start -->\n([\s\S]*?)\n<!-- hyperparameters:end -->/.exec(readme);
  expect(match, 'README has the hyperparameters markers').not.toBeNull();
  expect(match![1]).toBe(hyperparameterTable());
});
