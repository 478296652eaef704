/**
 * `webgpu-rl train --seeds … / --sweep …`: a population trained together (src/population/), with the same
 * guarantees as a single run (train.ts): outputs checked first, --checkpoint-every, Ctrl-C finishing the iteration
 * in flight and writing everything asked for, a diverged run keeping its last finite parameters. Every agent gets
 * its own policy and checkpoint file (populationPlan.ts's agentPath); the summary is
 * `{ runs: [one summary per agent, with its seed, overrides and evaluation], wallSeconds, sps, … }`.
 */
import { TrainingDivergedError } from '../ppo/ppo.js';
import { exportPolicy, saveTrainer } from '../checkpoint.js';
import { type TrainerInput } from '../trainer.js';
import { createTrainer } from '../createTrainer.js';
import type { Population } from '../population/population.js';
import { writeFileAtomic } from './atomicFile.js';
import type { Interrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { planSession, sessionStep } from './runPlan.js';
import { agentPath, type PopulationPlan } from './populationPlan.js';

export interface PopulationFlags {
  json?: string;
  save?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  evalEpisodes: number;
}

const say = (text: string) => process.stderr.write(`webgpu-rl: ${text}\n`);

const meanAndSpread = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, spread: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
};

/** Builds the population of `plan` on the shared keys `config`, trains it, writes its files; resolves to the exit code. */
export async function trainPopulation(config: TrainerInput, plan: PopulationPlan, source: string, flags: PopulationFlags, interrupt: Interrupt): Promise<number> {
  const { seed: _seed, ...shared } = config;
  const population = await createTrainer({ ...shared, population: { seeds: plan.seeds, overrides: plan.overrides } });
  try {
    return await run(population, source, flags, interrupt);
  } finally {
    population.destroy();
  }
}

/** Writes every agent's checkpoint and policy, if asked for; returns what was written, for the messages. */
async function writeModels(population: Population, flags: PopulationFlags, agents: readonly number[]): Promise<string[]> {
  const written: string[] = [];
  for (const [flag, path, write] of [
    ['checkpoint', flags.checkpoint, saveTrainer],
    ['policy', flags.save, exportPolicy],
  ] as const) {
    if (!path) continue;
    for (const i of agents) writeFileAtomic(agentPath(path, i, population.seeds[i]!), await write(population.agents[i]!));
    written.push(`${agents.length} ${flag} files as '${agentPath(path, 0, population.seeds[0]!)}' …`);
  }
  return written;
}

async function run(population: Population, source: string, flags: PopulationFlags, interrupt: Interrupt): Promise<number> {
  const c = population.config;
  const P = population.size;
  const plan = planSession(c, c.total_timesteps, source, 0)!;
  say(
    `${c.algo} on ${c.env} | population of ${P} agents (seeds ${[...new Set(population.seeds)].join(', ')}) | ${c.num_envs} envs x ${c.num_steps} steps each | ` +
      `${population.gpu.adapter.description || population.gpu.adapter.vendor} (${population.gpu.runtime})`,
  );
  if (plan.rounding) say(plan.rounding);
  if (interrupt.requested) {
    say('stopped before training started; nothing was written');
    return interrupt.exitCode;
  }
  const progress = createProgress(plan.steps, process.stderr, P);
  interrupt.onExit(() => progress.stop());
  const start = performance.now();
  const all = population.agents.map((_, i) => i);
  const step = sessionStep(interrupt, flags.checkpointEvery, plan.iterations, async () => void (await writeModels(population, { ...flags, save: undefined }, all)));
  let diverged: (TrainingDivergedError & { agent?: number }) | undefined;
  try {
    await population.train({
      totalSteps: plan.steps,
      onIteration: (report) => {
        const recent = report.agents.map((a) => a.recentReturn).filter((r): r is number => r !== null);
        const { mean, spread } = recent.length > 0 ? meanAndSpread(recent) : { mean: null, spread: undefined };
        progress.update(report.globalStep, report.sps, mean, spread);
        return step();
      },
    });
  } catch (error) {
    if (!(error instanceof TrainingDivergedError)) throw error;
    diverged = error;
  } finally {
    progress.stop();
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const summary = population.summary(population.globalStep, wallSeconds);
  const result = {
    ...summary,
    runs: summary.runs.map((r) => ({ ...r, evalReturnMean: null as number | null, evalReturnStd: null as number | null, evalEpisodes: null as number | null })),
    interrupted: interrupt.requested,
    diverged: diverged ? { agent: diverged.agent ?? null, quantity: diverged.quantity, iteration: diverged.iteration } : null,
  };
  const writeSummary = () => flags.json && writeFileAtomic(flags.json, `${JSON.stringify(result, null, 2)}\n`);
  if (diverged) {
    // The failing update never reached the parameters (Adam skips non-finite steps); each agent whose parameters
    // are finite is written.
    const finite: number[] = [];
    for (const i of all) if ((await population.agents[i]!.algorithm.readParameters()).every(Number.isFinite)) finite.push(i);
    const written = await writeModels(population, flags, finite);
    writeSummary();
    say(`${diverged.message}.${written.length > 0 ? ` The last finite parameters were written: ${written.join(', ')}.` : ''}`);
    return 1;
  }
  const written = await writeModels(population, flags, all);
  const trained = `trained ${P} agents x ${population.globalStep} steps in ${wallSeconds.toFixed(1)} s (${Math.round(summary.sps)} SPS)`;
  if (interrupt.requested) {
    writeSummary();
    say(`interrupted: ${trained}; wrote ${[...written, ...(flags.json ? [`the summary to '${flags.json}'`] : [])].join(', ') || 'nothing (no --save, --checkpoint or --json)'}`);
    return interrupt.exitCode;
  }
  const evaluations = await population.evaluate({ episodes: flags.evalEpisodes, deterministic: true });
  evaluations.forEach((evaluation, i) => Object.assign(result.runs[i]!, { evalReturnMean: evaluation.mean, evalReturnStd: evaluation.std, evalEpisodes: evaluation.episodes }));
  result.interrupted = interrupt.requested;
  writeSummary();
  const threshold = population.agents[0]!.spec.rewardThreshold;
  const solved = summary.runs.filter((r) => r.solvedAtStep !== null).length;
  const finals = meanAndSpread(evaluations.map((e) => e.mean));
  say(
    `${trained}; ${threshold === null ? 'no reward threshold' : `${solved} of ${P} solved (threshold ${threshold})`}; deterministic evaluation over ` +
      `${flags.evalEpisodes} episodes each: ${finals.mean.toFixed(1)} ± ${finals.spread.toFixed(1)} across agents`,
  );
  summary.runs.forEach((r, i) => {
    const keys = Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    say(`  agent ${i} seed ${r.seed}${keys ? ` ${keys}` : ''}: ${evaluations[i]!.mean.toFixed(1)} ± ${evaluations[i]!.std.toFixed(1)}${r.solvedAtStep !== null ? `, solved at ${r.solvedAtStep}` : ''}`);
  });
  return interrupt.exitCode;
}
