/**
 * `webgpu-rl train`: checks every path and flag, builds (or resumes) a trainer, trains with a progress bar, writes
 * the checkpoint, the policy and the JSON summary, and evaluates the policy deterministically.
 *
 * A run is never lost:
 *   - --save, --checkpoint and --json are checked writable before anything is built;
 *   - --checkpoint-every N writes the checkpoint every N iterations while training;
 *   - on SIGINT / SIGTERM the iteration in flight finishes, what was asked for is written (the summary with
 *     "interrupted": true) and the exit code is 128 + the signal's number;
 *   - when training diverges (NaN or infinity), the parameters of before the failing update — the last finite
 *     ones — are still written where --save and --checkpoint point;
 *   - every file goes to a temporary name first and is renamed (atomicFile.ts).
 */
import { TrainingDivergedError } from '../ppo/ppo.js';
import { exportPolicy, loadTrainer, readCheckpointInfo, saveTrainer, CheckpointError, type CheckpointInfo } from '../checkpoint.js';
import { type Trainer, type TrainSummary } from '../trainer.js';
import { createTrainer } from '../createTrainer.js';
import { checkWritable, writeFileAtomic } from './atomicFile.js';
import { expectKind, readBytes, readJsonObject } from './files.js';
import type { Interrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { agentPath, planPopulation } from './populationPlan.js';
import { trainPopulation } from './trainPopulation.js';
import { checkResumeFlags, newRunConfig, planSession, sessionStep, type ConfigFlags, type SessionPlan } from './runPlan.js';

export interface TrainFlags {
  env?: string;
  algo?: string;
  psi?: string;
  totalSteps?: number;
  seed?: number;
  numEnvs?: number;
  config?: string;
  json?: string;
  save?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
  evalEpisodes: number;
  /** A population: a number of agents or a list of seeds (populationPlan.ts). */
  seeds?: string;
  /** key=value,value,… per flag: the grid of per-agent values. */
  sweep?: string[];
}

const say = (text: string) => process.stderr.write(`webgpu-rl: ${text}\n`);

/** Checks the output paths: each writable, no two the same. */
function checkOutputs(flags: TrainFlags): void {
  const outputs = (['save', 'checkpoint', 'json'] as const).filter((key) => flags[key] !== undefined).map((key) => [`--${key}`, flags[key]!] as const);
  for (const [flag, path] of outputs) checkWritable(flag, path);
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      if (outputs[i]![1] === outputs[j]![1]) throw new Error(`${outputs[i]![0]} and ${outputs[j]![0]} both name '${outputs[i]![1]}'; give each its own file`);
    }
  }
  for (const [flag, path] of outputs) {
    if (flag !== '--checkpoint' && path === flags.resume) throw new Error(`${flag} '${path}' is the checkpoint given to --resume; it would be overwritten: give ${flag} another file`);
  }
  if (flags.checkpointEvery !== undefined && flags.checkpoint === undefined) {
    throw new Error('--checkpoint-every needs --checkpoint FILE (where to write the checkpoint)');
  }
}

interface Prepared {
  trainer: Trainer;
  plan: SessionPlan;
}

/** Reads and checks the checkpoint, refuses contradicting flags and finished runs, then rebuilds the trainer. */
async function prepareResume(flags: TrainFlags, configFlags: ConfigFlags): Promise<Prepared> {
  const path = flags.resume!;
  const bytes = readBytes('--resume', path);
  expectKind(bytes, 'checkpoint', '--resume', path);
  let info: CheckpointInfo;
  try {
    info = readCheckpointInfo(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) throw new Error(`--resume '${path}': ${error.message}`);
    throw error;
  }
  checkResumeFlags(configFlags, info, path);
  const fromFile = configFlags.config?.keys.total_timesteps;
  const [requested, source] =
    flags.totalSteps !== undefined
      ? [flags.totalSteps, '--total-steps']
      : typeof fromFile === 'number'
        ? [fromFile, `--config's total_timesteps`]
        : [info.config.total_timesteps, `the checkpoint's total_timesteps`];
  const plan = planSession(info.config, requested, source, info.globalStep);
  if (!plan) {
    throw new Error(
      `the run in '${path}' is finished: it has trained ${info.globalStep} steps of ${source} ${requested}. ` +
        `To train it further, give the run a larger total, e.g. \`train --resume ${path} --total-steps ${2 * Math.max(info.globalStep, info.config.num_envs * info.config.num_steps)}\``,
    );
  }
  let trainer: Trainer;
  try {
    trainer = await loadTrainer(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) throw new Error(`--resume '${path}': ${error.message}`);
    throw error;
  }
  return { trainer, plan };
}

async function prepareNewRun(configFlags: ConfigFlags): Promise<Prepared> {
  const trainer = await createTrainer(newRunConfig(configFlags));
  const c = trainer.config;
  const source = configFlags.totalSteps !== undefined ? '--total-steps' : configFlags.config?.keys.total_timesteps !== undefined ? `--config's total_timesteps` : 'total_timesteps';
  return { trainer, plan: planSession(c, c.total_timesteps, source, 0)! };
}

/** Writes the checkpoint and the policy, if asked for; returns what was written, for the messages. */
async function writeModels(trainer: Trainer, flags: TrainFlags): Promise<string[]> {
  const written: string[] = [];
  if (flags.checkpoint) {
    writeFileAtomic(flags.checkpoint, await saveTrainer(trainer));
    written.push(`the checkpoint to '${flags.checkpoint}'`);
  }
  if (flags.save) {
    writeFileAtomic(flags.save, await exportPolicy(trainer));
    written.push(`the policy to '${flags.save}'`);
  }
  return written;
}

type RunResult = TrainSummary & {
  interrupted: boolean;
  diverged: { quantity: string; iteration: number } | null;
  evalReturnMean: number | null;
  evalReturnStd: number | null;
  evalEpisodes: number | null;
};

function writeSummary(flags: TrainFlags, result: RunResult): void {
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(result, null, 2)}\n`);
}

/** Runs `train`; resolves to the process's exit code. */
export async function train(flags: TrainFlags, interrupt: Interrupt): Promise<number> {
  checkOutputs(flags);
  const configFlags: ConfigFlags = {
    env: flags.env,
    algo: flags.algo,
    psi: flags.psi,
    totalSteps: flags.totalSteps,
    seed: flags.seed,
    numEnvs: flags.numEnvs,
    config: flags.config === undefined ? undefined : { path: flags.config, keys: readJsonObject('--config', flags.config) },
  };
  const population = planPopulation(flags.seeds, flags.sweep ?? [], flags.seed, configFlags.config?.keys.seed);
  if (population) {
    if (flags.resume) {
      throw new Error(`--resume continues one run; it cannot be combined with --seeds or --sweep (resume an agent's own checkpoint, e.g. '${agentPath(flags.resume, 0, population.seeds[0]!)}', on its own)`);
    }
    const source = configFlags.totalSteps !== undefined ? '--total-steps' : configFlags.config?.keys.total_timesteps !== undefined ? `--config's total_timesteps` : 'total_timesteps';
    return trainPopulation(newRunConfig(configFlags), population, source, flags, interrupt);
  }
  const { trainer, plan } = flags.resume ? await prepareResume(flags, configFlags) : await prepareNewRun(configFlags);
  try {
    return await run(trainer, plan, flags, interrupt);
  } finally {
    trainer.destroy();
  }
}

async function run(trainer: Trainer, plan: SessionPlan, flags: TrainFlags, interrupt: Interrupt): Promise<number> {
  const c = trainer.config;
  const startStep = trainer.globalStep;
  say(
    `${c.algo} on ${c.env} | ${c.num_envs} envs x ${c.num_steps} steps | ${trainer.gpu.adapter.description || trainer.gpu.adapter.vendor} (${trainer.gpu.runtime})` +
      (startStep > 0 ? ` | resumed at step ${startStep} of ${plan.runTotal}` : ''),
  );
  if (plan.rounding) say(plan.rounding);
  if (interrupt.requested) {
    say('stopped before training started; nothing was written');
    return interrupt.exitCode;
  }

  const progress = createProgress(plan.steps);
  interrupt.onExit(() => progress.stop());
  const start = performance.now();
  const step = sessionStep(interrupt, flags.checkpointEvery, plan.iterations, async () => writeFileAtomic(flags.checkpoint!, await saveTrainer(trainer)));
  let diverged: TrainingDivergedError | undefined;
  try {
    await trainer.train({
      totalSteps: plan.steps,
      onIteration: (stats) => {
        progress.update(stats.globalStep - startStep, stats.sps, stats.recentReturn);
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
  const summary = trainer.summary(trainer.globalStep - startStep, wallSeconds);
  const result: RunResult = {
    ...summary,
    interrupted: interrupt.requested,
    diverged: diverged ? { quantity: diverged.quantity, iteration: diverged.iteration } : null,
    evalReturnMean: null,
    evalReturnStd: null,
    evalEpisodes: null,
  };

  if (diverged) return finishDiverged(trainer, flags, diverged, result);

  const written = await writeModels(trainer, flags);
  const trained = `trained ${summary.totalSteps - startStep} steps in ${wallSeconds.toFixed(1)} s (${Math.round(summary.sps)} SPS)` + (startStep > 0 ? `, ${summary.totalSteps} in the run` : '');
  if (interrupt.requested) {
    writeSummary(flags, result);
    say(`interrupted: ${trained}; wrote ${[...written, ...(flags.json ? [`the summary to '${flags.json}'`] : [])].join(', ') || 'nothing (no --save, --checkpoint or --json)'}`);
    return interrupt.exitCode;
  }
  if (summary.selfPlay) {
    // A two-player game: no single-player evaluation; the self-play record is the result.
    writeSummary(flags, result);
    const pool = summary.selfPlay.snapshotElos.map((e) => e.toFixed(0)).join(', ');
    say(`${trained}; self-play: Elo ${summary.selfPlay.elo.toFixed(1)} after ${summary.selfPlay.snapshots} snapshots (pool Elo ${pool})`);
    return interrupt.exitCode;
  }
  const evaluation = await trainer.evaluate({ episodes: flags.evalEpisodes, deterministic: true });
  Object.assign(result, { evalReturnMean: evaluation.mean, evalReturnStd: evaluation.std, evalEpisodes: evaluation.episodes, interrupted: interrupt.requested });
  writeSummary(flags, result);
  say(
    `${trained}; ${solvedPhrase(summary.solvedAtStep, trainer.spec.rewardThreshold)}; deterministic evaluation over ${evaluation.episodes} episodes: ` +
      `${evaluation.mean.toFixed(1)} ± ${evaluation.std.toFixed(1)}`,
  );
  return interrupt.exitCode;
}

/**
 * Training diverged. The failing update never reached the parameters (Adam skips non-finite steps), so they are
 * the last finite ones: they are written where asked, unless a parameter itself overflowed, which is checked.
 */
async function finishDiverged(trainer: Trainer, flags: TrainFlags, error: TrainingDivergedError, result: RunResult): Promise<number> {
  const parameters = await trainer.algorithm.readParameters();
  const finite = parameters.every(Number.isFinite);
  const written = finite ? await writeModels(trainer, flags) : [];
  writeSummary(flags, result);
  const where = !finite
    ? ' The parameters themselves are not finite, so no policy or checkpoint was written' +
      (flags.checkpointEvery !== undefined ? ` (the last periodic checkpoint in '${flags.checkpoint}' stays).` : '.')
    : written.length > 0
      ? ` The last finite parameters were written: ${written.join(', ')}.`
      : ' Pass --save FILE or --checkpoint FILE to keep the last finite parameters.';
  say(`${error.message}.${where}`);
  return 1;
}

/** "solved at N", "not solved (threshold T)", or, without a threshold (Pendulum-v1), "no reward threshold". */
function solvedPhrase(solvedAtStep: number | null, threshold: number | null): string {
  if (threshold === null) return 'no reward threshold';
  return solvedAtStep === null ? `not solved (threshold ${threshold})` : `solved at ${solvedAtStep}`;
}
