/**
 * Learning across seeds: each built-in environment's default run (createTrainer({ env, seed }), train() to its
 * total_timesteps, 100 deterministic evaluation episodes) on several seeds, one after another on one device:
 *
 *   npx tsx bench/seeds.ts [--envs CartPole-v1,Acrobot-v1] [--seeds 1-8 | 1,2,5] [--out bench/results/seeds/run]
 *
 * Writes OUT.json (every run's numbers) and OUT.md (per environment: solved runs, median steps and seconds to
 * solve, evaluation returns; then one row per run). "Solved" is the trainer's: the mean return of the last 20
 * training episodes reached Gymnasium's reward threshold. Seconds are wall clock on a shared machine: compare steps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { getGpu } from '../src/gpu/device.js';
import { getEnvDefinition } from '../src/envs/registry.js';
import { solveRun } from './cases/solve.js';
import type { SolveParams } from './cases/solveParams.js';
import { BENCH_ENV_IDS } from './cases/envs.js';
import { machineInfo, LoadMonitor, RESULTS_DIR } from './write.js';
import { describe } from './suite.js';

function seedList(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  const seeds = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i) : text.split(',').map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new InvalidArgumentError(`--seeds is '${text}'; expected a range such as 1-8 or a list such as 1,2,5`);
  return seeds;
}

function envList(text: string): string[] {
  const envs = text.split(',');
  for (const env of envs) getEnvDefinition(env); // throws naming the unknown id
  return envs;
}

const options = new Command('seeds')
  .option('--envs <ids>', 'comma-separated environment ids', envList, [...BENCH_ENV_IDS])
  .option('--seeds <list>', 'seeds: a range (1-8) or a list (1,2,5)', seedList, seedList('1-8'))
  .option('--out <path>', 'output path without extension', `${RESULTS_DIR}/seeds/run`)
  .parse()
  .opts<{ envs: string[]; seeds: number[]; out: string }>();

const monitor = new LoadMonitor();
const gpu = await getGpu();
const t0 = performance.now();
const log = (line: string) => console.error(`[seeds ${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
log(`adapter ${describe(gpu.adapter)}; envs ${options.envs.join(', ')}; seeds ${options.seeds.join(', ')}`);

const runs: (SolveParams & { wallSeconds: number })[] = [];
for (const env of options.envs) {
  for (const seed of options.seeds) {
    const { params, wallSeconds } = await solveRun(gpu, env, { seed }, log);
    runs.push({ ...params, wallSeconds });
  }
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits));

const machine = machineInfo(monitor, { quick: false, seconds: (performance.now() - t0) / 1000 });
const md: string[] = ['# Learning across seeds', ''];
md.push(`Each environment's default run (createTrainer({ env, seed }), train(), 100 deterministic evaluation episodes) on seeds ${options.seeds.join(', ')}; adapter ${describe(gpu.adapter)}; \`npx tsx bench/seeds.ts --envs ${options.envs.join(',')} --seeds ${options.seeds.join(',')}\`.`);
md.push('');
md.push('| environment | solved | median steps to solve | median seconds to solve | evaluation: min / median / max | threshold | total steps |');
md.push('| --- | --- | --- | --- | --- | --- | --- |');
for (const env of options.envs) {
  const mine = runs.filter((r) => r.env === env);
  const solved = mine.filter((r) => r.solvedAtStep !== null);
  const evals = mine.map((r) => r.evalMean);
  const threshold = mine[0]!.rewardThreshold;
  md.push(
    `| ${env} | ${threshold === null ? 'no threshold' : `${solved.length} / ${mine.length}`} | ${fmt(median(solved.map((r) => r.solvedAtStep!)), 0)} | ` +
      `${fmt(median(solved.map((r) => r.secondsToSolve!)))} | ${fmt(Math.min(...evals))} / ${fmt(median(evals))} / ${fmt(Math.max(...evals))} | ${threshold ?? '-'} | ${mine[0]!.totalSteps} |`,
  );
}
md.push('', '| environment | seed | solved at step | seconds to solve | deterministic evaluation | run seconds | env-steps/s |', '| --- | --- | --- | --- | --- | --- | --- |');
for (const r of runs) {
  md.push(`| ${r.env} | ${r.seed} | ${r.solvedAtStep ?? 'not solved'} | ${fmt(r.secondsToSolve)} | ${r.evalMean.toFixed(1)} ± ${r.evalStd.toFixed(1)} | ${r.wallSeconds.toFixed(1)} | ${Math.round(r.sps)} |`);
}
md.push(
  '',
  `Machine: ${machine.cpu} (${machine.cores} cores), ${machine.os}, Node ${machine.node}, commit ${machine.commit}, ${machine.date}; ` +
    `other processes used ${typeof machine.otherProcessesCores === 'number' ? machine.otherProcessesCores.toFixed(2) : '?'} of the cores on average during the run.`,
  '',
);

const out = resolve(options.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.json`, `${JSON.stringify({ adapter: gpu.adapter, machine, seeds: options.seeds, runs }, null, 2)}\n`);
writeFileSync(`${out}.md`, md.join('\n'));
log(`wrote ${out}.json, ${out}.md`);
console.log(md.join('\n'));
gpu.destroy();
