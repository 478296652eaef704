/**
 * Trains the policy the Squash page ships with and writes it to demos/policies/squash.safetensors:
 *
 *   npx tsx demos/games/squash/train-shipped.ts [--steps 100000] [--seed 1]
 *
 * In Node (Dawn), with the page's default hyperparameters; prints the deterministic evaluation it reached.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTrainer, exportPolicy } from '../../../src/index.js';
import { defineSquash, SQUASH_ID } from './rules.js';
import { SQUASH_PRESET } from './preset.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const totalSteps = option('steps', SQUASH_PRESET.total_timesteps ?? 100_000);
const seed = option('seed', 1);

defineSquash();
const trainer = await createTrainer({ env: SQUASH_ID, ...SQUASH_PRESET, seed, total_timesteps: totalSteps });
const summary = await trainer.train({
  totalSteps,
  onIteration: (stats) => {
    if (stats.iteration % 10 === 0) console.log(`${stats.globalStep} steps: mean return of the last 20 rallies ${stats.recentReturn?.toFixed(2) ?? '-'}`);
  },
});
const evaluation = await trainer.evaluate({ episodes: 64, deterministic: true });
const bytes = await exportPolicy(trainer);
const out = fileURLToPath(new URL('../../policies/squash.safetensors', import.meta.url));
writeFileSync(out, bytes);
console.log(
  `trained ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(0)} s; deterministic evaluation over 64 rallies: ` +
    `mean ${evaluation.mean.toFixed(2)} returns; wrote ${bytes.length} bytes to ${out}`,
);
trainer.destroy();
