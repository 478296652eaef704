/**
 * What `train` will do, decided before anything is built: the configuration of a new run, or the checks of a
 * resumed one against its checkpoint, and how many steps this session trains.
 *
 * A resumed run keeps its checkpoint's configuration. Flags and --config keys that restate it are accepted;
 * ones that contradict it (the environment, algorithm, seed, number of environments, network sizes, any
 * hyperparameter) are refused naming both values: the saved optimizer state, environments and learning-rate
 * schedule belong to that configuration. Only the run's length may change: --total-steps (or total_timesteps in
 * --config) is the run's total, counting the checkpoint's steps.
 */
import { resolveConfig, type TrainerConfig } from '../config.js';
import type { CheckpointInfo } from '../checkpoint.js';
import { getEnvDefinition } from '../envs/registry.js';

/** The flags of `train` that shape the configuration. */
export interface ConfigFlags {
  env?: string;
  algo?: string;
  psi?: string;
  totalSteps?: number;
  seed?: number;
  numEnvs?: number;
  /** --config's path and its keys. */
  config?: { path: string; keys: Record<string, unknown> };
}

/** The configuration keys a flag sets, and the flag's name. */
const FLAG_KEYS = [
  ['env', 'env', '--env'],
  ['algo', 'algo', '--algo'],
  ['psi', 'psi', '--psi'],
  ['seed', 'seed', '--seed'],
  ['numEnvs', 'num_envs', '--num-envs'],
] as const;

/** The configuration of a new run: --config's keys, overridden by the flags; checked by the trainer. */
export function newRunConfig(flags: ConfigFlags): Partial<TrainerConfig> & { env: string } {
  const config = { ...(flags.config?.keys ?? {}) } as Partial<TrainerConfig> & { env: string };
  config.env = flags.env ?? (config.env as string | undefined) ?? 'CartPole-v1';
  if (flags.algo !== undefined) config.algo = flags.algo as TrainerConfig['algo'];
  if (flags.psi !== undefined) {
    if ((config.algo ?? 'ppo') !== 'reinforce') throw new Error(`--psi ${flags.psi} is REINFORCE's choice of ψ; it needs --algo reinforce (the algorithm is '${config.algo ?? 'ppo'}')`);
    config.psi = flags.psi as TrainerConfig['psi'];
  }
  if (flags.seed !== undefined) config.seed = flags.seed;
  if (flags.numEnvs !== undefined) config.num_envs = flags.numEnvs;
  if (flags.totalSteps !== undefined) config.total_timesteps = flags.totalSteps;
  return config;
}

const show = (value: unknown) => JSON.stringify(value);

/**
 * Refuses flags and --config keys that contradict the checkpoint, naming both values. --config's keys are first
 * checked like a new run's (unknown keys, values out of range).
 */
export function checkResumeFlags(flags: ConfigFlags, checkpoint: CheckpointInfo, checkpointPath: string): void {
  const saved = checkpoint.config;
  const against = `the checkpoint '${checkpointPath}' was trained with`;
  for (const [flag, key, name] of FLAG_KEYS) {
    const value = flags[flag];
    if (value !== undefined && value !== saved[key]) {
      throw new Error(`${name} ${value} contradicts the run being resumed: ${against} ${key} ${show(saved[key])} (leave ${name} out, or start a new run without --resume)`);
    }
  }
  if (!flags.config) return;
  const { path, keys } = flags.config;
  const definition = getEnvDefinition(saved.env);
  const continuous = definition.action.type === 'box';
  // Unknown keys and bad values fail as in a new run; env is checked against the checkpoint below.
  resolveConfig({ ...saved, ...(keys as Partial<TrainerConfig>), env: saved.env }, continuous, definition.observationShape);
  for (const [key, value] of Object.entries(keys)) {
    if (key === 'total_timesteps') continue;
    if (show(value) !== show(saved[key as keyof TrainerConfig])) {
      throw new Error(
        `--config '${path}' sets ${key} ${show(value)}, which contradicts the run being resumed: ${against} ${key} ` +
          `${show(saved[key as keyof TrainerConfig])} (only the run's length, total_timesteps or --total-steps, may change on --resume)`,
      );
    }
  }
}

export interface SessionPlan {
  /** Environment steps to train in this session (whole iterations). */
  steps: number;
  iterations: number;
  /** The run's total after this session. */
  runTotal: number;
  /** Said before training when the requested total is not a whole number of iterations. */
  rounding?: string;
}

/**
 * The steps of this session: the run's total (`requested` by `source`) minus `doneSteps`, in whole iterations of
 * `batch` = num_envs x num_steps steps, rounded down, at least one iteration for a new run (as the trainer
 * does). Null when the run has already trained all of its iterations.
 */
export function planSession(config: TrainerConfig, requested: number, source: string, doneSteps: number): SessionPlan | null {
  const batch = config.num_envs * config.num_steps;
  const plannedIterations = Math.max(1, Math.floor(requested / batch));
  const doneIterations = Math.floor(doneSteps / batch);
  const iterations = plannedIterations - doneIterations;
  if (iterations <= 0) return null;
  const steps = iterations * batch;
  const runTotal = doneSteps + steps;
  const plan: SessionPlan = { steps, iterations, runTotal };
  if (requested % batch !== 0) {
    plan.rounding =
      `${source} ${requested} is not a whole number of iterations of ${batch} steps (num_envs ${config.num_envs} x num_steps ${config.num_steps}): ` +
      `the run trains ${plannedIterations * batch} steps (${plannedIterations} iteration${plannedIterations === 1 ? '' : 's'})`;
  }
  return plan;
}

/**
 * What a session does after each iteration, once progress is shown: false (stop) on an interrupt, and every
 * `checkpointEvery` iterations but the last, `writeCheckpoint()`.
 */
export function sessionStep(interrupt: { readonly requested: boolean }, checkpointEvery: number | undefined, iterations: number, writeCheckpoint: () => Promise<void>): () => Promise<boolean> {
  let done = 0;
  return async () => {
    done += 1;
    if (interrupt.requested) return false;
    if (checkpointEvery !== undefined && done % checkpointEvery === 0 && done < iterations) await writeCheckpoint();
    return !interrupt.requested;
  };
}
