/**
 * Trains the policy the Snake page ships with and writes it to demos/policies/snake.safetensors:
 *
 *   npx tsx demos/games/snake/train-shipped.ts [--steps 1000000] [--seed 1] [--out FILE]
 *
 * In Node (Dawn), with the page's default hyperparameters; prints the learning curve (food per game) and the
 * deterministic evaluation it reached.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTrainer, exportPolicy } from '../../../src/index.js';
import { defineSnake, SNAKE_ID } from './rules.js';
import { SNAKE_NETWORK, SNAKE_PRESET } from './preset.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const totalSteps = Number(option('steps', String(SNAKE_PRESET.total_timesteps ?? 1_000_000)));
const seed = Number(option('seed', '1'));
const out = option('out', fileURLToPath(new URL('../../policies/snake.safetensors', import.meta.url)));

defineSnake();
const trainer = await createTrainer({ env: SNAKE_ID, ...SNAKE_NETWORK, ...SNAKE_PRESET, seed, total_timesteps: totalSteps });
const summary = await trainer.train({
  totalSteps,
  onIteration: (stats) => {
    if (stats.iteration % 25 === 0) console.log(`${stats.globalStep} steps, ${stats.sps.toFixed(0)} SPS: mean return of the last 20 games ${stats.recentReturn?.toFixed(2) ?? '-'}`);
  },
});
const bytes = await exportPolicy(trainer);
writeFileSync(out, bytes);
console.log(`trained ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(0)} s; wrote ${bytes.length} bytes to ${out}`);
// The page's agent samples its moves (as in training): a greedy snake can circle until it starves.
for (const deterministic of [false, true]) {
  const evaluation = await trainer.evaluate({ episodes: 100, deterministic });
  const food = evaluation.returns.map((r, i) => r + (evaluation.lengths[i]! < 2000 ? 1 : 0));
  console.log(
    `${deterministic ? 'deterministic' : 'sampled'} evaluation over 100 games: food per game ${(food.reduce((a, b) => a + b, 0) / 100).toFixed(2)} ` +
      `(return ${evaluation.mean.toFixed(2)} ± ${evaluation.std.toFixed(2)}), mean length ${(evaluation.lengths.reduce((a, b) => a + b, 0) / 100).toFixed(0)} steps`,
  );
}
trainer.destroy();
