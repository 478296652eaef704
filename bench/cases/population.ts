/**
 * Benchmark case: populations at the CartPole-v1 defaults (8 envs x 32 steps per agent, 20 epochs of one
 * minibatch).
 *
 *   population.throughput  env-steps/s of all agents together against P ∈ {1, 2, 4, 8, 16, 64}: one warm-up
 *                          iteration (pipelines, first reset), then `iterations` iterations timed, `reps` times
 *   population.solve       wall seconds until every agent has solved CartPole-v1 (the mean of its last 20
 *                          training episodes ≥ 475), for 8 agents (seeds 1-8) trained together and for 1 (seed 1),
 *                          each within the default budget (total_timesteps), in the same run of the case
 *
 * The agents' kernels are dispatched one agent after the other in one command buffer per iteration (see
 * src/population/population.ts): the population shares the submit, the readback and the CPU's turn, not the
 * dispatches, so on an adapter whose time goes into the kernels themselves the throughput stays near one agent's.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { createTrainer } from '../../src/createTrainer.js';
import { now, summarize, type CaseResult } from '../harness.js';

export const POPULATION_SIZES = [1, 2, 4, 8, 16, 64] as const;

const seedsOf = (n: number, first = 1) => Array.from({ length: n }, (_, i) => first + i);

/** Env-steps/s of all agents of a population of `size` at the CartPole-v1 defaults. */
async function throughput(gpu: Gpu, size: number, quick: boolean, log: (line: string) => void): Promise<CaseResult> {
  const population = await createTrainer({ env: 'CartPole-v1', population: { seeds: seedsOf(size) } }, { gpu });
  try {
    const batch = population.config.num_envs * population.config.num_steps;
    const iterations = quick ? 3 : size <= 8 ? 12 : size <= 16 ? 6 : 3;
    const reps = quick ? 1 : 3;
    await population.train({ totalSteps: batch });
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) {
      const start = now();
      await population.train({ totalSteps: iterations * batch });
      samples.push((size * iterations * batch) / (now() - start));
    }
    const t = summarize(samples);
    const summary = population.summary(0, 1);
    log(`population.throughput P=${size}: ${t.median.toFixed(0)} env-steps/s (${(t.median / size).toFixed(0)} per agent), ${summary.gpu.dispatchesPerIteration} dispatches / 1 submit / 1 readback per iteration`);
    return {
      name: 'population.throughput',
      params: { env: 'CartPole-v1', agents: size, numEnvs: population.config.num_envs, numSteps: population.config.num_steps, iterations, ...summary.gpu },
      unit: 'env-steps/s (all agents)',
      median: t.median,
      min: t.min,
      max: t.max,
      reps,
    };
  } finally {
    population.destroy();
  }
}

/** Wall seconds until every one of `size` agents solved CartPole-v1 (or the budget ran out). */
async function solveAll(gpu: Gpu, size: number, log: (line: string) => void): Promise<CaseResult> {
  const population = await createTrainer({ env: 'CartPole-v1', population: { seeds: seedsOf(size) } }, { gpu });
  try {
    const start = now();
    let lastLog = start;
    const summary = await population.train({
      onIteration: (report) => {
        const solved = population.agents.filter((a) => a.solvedAtStep !== null).length;
        if (now() - lastLog > 30) {
          lastLog = now();
          log(`  population.solve P=${size}: ${report.globalStep} steps, ${solved} of ${size} solved, ${(now() - start).toFixed(0)} s`);
        }
        return solved < size;
      },
    });
    const seconds = now() - start;
    const solvedAt = summary.runs.map((r) => r.solvedAtStep);
    log(`population.solve P=${size}: ${solvedAt.filter((s) => s !== null).length} of ${size} solved in ${seconds.toFixed(1)} s (solved at steps ${solvedAt.join(', ')})`);
    return {
      name: 'population.solve',
      params: { env: 'CartPole-v1', agents: size, solved: solvedAt.filter((s) => s !== null).length, solvedAtSteps: solvedAt, stepsPerAgent: population.globalStep, budget: population.config.total_timesteps },
      unit: 's (until every agent solved)',
      median: seconds,
      min: seconds,
      max: seconds,
      reps: 1,
    };
  } finally {
    population.destroy();
  }
}

export async function benchPopulation(context: { gpu: Gpu; quick: boolean; log(line: string): void }): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const size of context.quick ? [1, 4] : POPULATION_SIZES) results.push(await throughput(context.gpu, size, context.quick, context.log));
  if (!context.quick) {
    results.push(await solveAll(context.gpu, 1, context.log));
    results.push(await solveAll(context.gpu, 8, context.log));
  }
  return results;
}

/** The Markdown report of benchPopulation's results. */
export function populationReport(results: readonly CaseResult[]): string {
  const rows = results.filter((r) => r.name === 'population.throughput');
  const one = rows.find((r) => r.params.agents === 1)?.median;
  const lines = [
    '| agents P | env-steps/s, all agents (median) | min – max | per agent | vs P = 1 | dispatches / submits / readbacks per iteration |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const P = Number(r.params.agents);
      return `| ${P} | ${Math.round(r.median)} | ${Math.round(r.min)} – ${Math.round(r.max)} | ${Math.round(r.median / P)} | ${one ? `${(r.median / one).toFixed(2)}×` : '–'} | ${String(r.params.dispatchesPerIteration)} / ${String(r.params.submitsPerIteration)} / ${String(r.params.readbacksPerIteration)} |`;
    }),
  ];
  const solves = results.filter((r) => r.name === 'population.solve');
  if (solves.length > 0) {
    const single = solves.find((r) => r.params.agents === 1);
    lines.push('', '| agents | solved | s until every agent solved | steps per agent | vs 1 agent | goal |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of solves) {
      const ratio = single ? r.median / single.median : NaN;
      lines.push(`| ${String(r.params.agents)} | ${String(r.params.solved)} of ${String(r.params.agents)} | ${r.median.toFixed(1)} | ${String(r.params.stepsPerAgent)} | ${ratio.toFixed(2)}× | ${r.params.agents === 1 ? '–' : ratio <= 2 ? '≤ 2×: **met**' : `≤ 2×: **missed** (${ratio.toFixed(1)}×)`} |`);
    }
  }
  return lines.join('\n');
}
