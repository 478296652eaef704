/**
 * The trainer: `createTrainer({ env, algo, ...hyperparameters })` validates the configuration, builds the
 * environments and the GPU pipeline of the algorithm, and then
 *
 *   trainer.train({ totalSteps, onIteration })   trains, resolving to a summary
 *   for await (const stats of trainer.iterations({ totalSteps }))   the same, one iteration at a time
 *   trainer.evaluate({ episodes, deterministic })   whole episodes on the GPU
 *   trainer.policy.act(obs, { deterministic })      inference
 *
 * One iteration is in flight while the previous one's statistics are read, so the GPU never waits for the CPU.
 */
import { getGpu, type AdapterDescription, type Gpu } from './gpu/device.js';
import { createEnv } from './envs/create.js';
import { GpuVecEnv } from './envs/gpuEnv.js';
import { allocateStepResult, JsVecEnv } from './envs/jsEnv.js';
import { getEnvDefinition } from './envs/registry.js';
import type { EnvSpec } from './envs/spec.js';
import { resolveConfig, type TrainerConfig } from './algos/config.js';
import { Evaluator, type EvaluationResult } from './algos/evaluate.js';
import { IterationStats } from './algos/iterationStats.js';
import { Ppo, type IterationReport } from './algos/ppo.js';
import { GpuPolicy } from './policy.js';

export interface TrainOptions {
  /**
   * Environment steps to train for, rounded down to whole iterations (default: what remains of the config's
   * total_timesteps). The learning-rate schedule spans total_timesteps whatever the calls.
   */
  totalSteps?: number;
  /** Called after every iteration; return false to stop after it. */
  onIteration?: (stats: IterationReport) => void | boolean | Promise<void | boolean>;
}

export interface TrainSummary {
  env: string;
  algo: string;
  seed: number;
  /** Environment steps of the whole run so far, counting those before the checkpoint a resumed trainer was loaded from. */
  totalSteps: number;
  /** The step this trainer started training at: a resumed run's checkpoint step; null for a run that started at 0. */
  resumedFromStep: number | null;
  /** Iterations of the whole run so far. */
  iterations: number;
  /** Seconds of this train() call. */
  wallSeconds: number;
  /** Environment steps of this train() call per second of it. */
  sps: number;
  /** First step at which the mean of the last 20 training episodes reached the reward threshold, else null. */
  solvedAtStep: number | null;
  /** Mean return of the last 20 training episodes at the end. */
  recentReturn: number | null;
  adapter: AdapterDescription;
  gpu: { dispatchesPerIteration: number; submitsPerIteration: number; readbacksPerIteration: number; bufferBytes: number };
}

export interface EvaluateOptions {
  /** Episodes (one per environment, all at once). Default 100. */
  episodes?: number;
  /** argmax / mean actions (default true) or samples. */
  deterministic?: boolean;
  /** Seed of the evaluation environments and action noise (default: the training seed + 1_000_003). */
  seed?: number;
}

/** The number of recent episodes whose mean decides "solved" (the summary's solvedAtStep). */
export const SOLVED_WINDOW = 20;

export class Trainer {
  /** Set when the mean of the last 20 training episodes first reached the threshold. */
  solvedAtStep: number | null = null;
  private startTime: number | undefined;
  /** The step at which this trainer first trained (a loaded trainer's checkpoint step): the base of its SPS. */
  private startStep: number | undefined;
  private lastRecent: number | null = null;
  private evaluator: Evaluator | undefined;
  /** The iteration submitted but not yet reported: one is in flight while the previous one's statistics are read. */
  private inFlight: { iteration: number; read: () => Promise<Float32Array>; report?: IterationReport } | undefined;

  private constructor(
    readonly gpu: Gpu,
    readonly config: TrainerConfig,
    /** The training environments: GPU (fused rollout) or JavaScript (policy on the GPU, game on the CPU). */
    readonly env: GpuVecEnv | JsVecEnv,
    readonly algorithm: Ppo,
    readonly policy: GpuPolicy,
  ) {}

  static async create(config: Partial<TrainerConfig> & { env: string }, gpu?: Gpu): Promise<Trainer> {
    if (typeof config !== 'object' || config === null || typeof config.env !== 'string') {
      throw new TypeError(`createTrainer(config): config.env is ${JSON.stringify((config as { env?: unknown } | null)?.env)}; expected an environment id such as 'CartPole-v1'`);
    }
    const definition = getEnvDefinition(config.env);
    const resolved = resolveConfig(config, definition.action.type === 'box');
    const device = gpu ?? (await getGpu());
    const env = await createEnv(resolved.env, { numEnvs: resolved.num_envs, seed: resolved.seed, gpu: device });
    const algorithm = await Ppo.create(device, env, resolved);
    const policy = await GpuPolicy.create(
      device,
      definition,
      algorithm.agent,
      { params: algorithm.params, norm: algorithm.normalizer.stats },
      resolved.norm_obs ? { clipObs: resolved.clip_obs } : undefined,
      resolved.seed + 7,
    );
    return new Trainer(device, resolved, env, algorithm, policy);
  }

  get spec(): EnvSpec {
    return this.env.spec;
  }

  /** Environment steps taken so far. */
  get globalStep(): number {
    return this.algorithm.globalStep;
  }

  /** Iterations of the learning-rate schedule: total_timesteps worth (CleanRL anneals over the whole run). */
  get plannedIterations(): number {
    return this.algorithm.iterationsFor(this.config.total_timesteps);
  }

  /**
   * Trains for `totalSteps` environment steps (whole iterations). The iteration after the one being reported is
   * already submitted; `settle()` waits for it and counts it, so that counters and GPU state agree.
   */
  async *iterations(options: Pick<TrainOptions, 'totalSteps'> = {}): AsyncGenerator<IterationReport> {
    const ppo = this.algorithm;
    await this.settle();
    const remaining = this.config.total_timesteps - ppo.globalStep;
    const totalSteps = options.totalSteps ?? remaining;
    if (options.totalSteps === undefined && remaining < ppo.batchSize) {
      throw new RangeError(`train: the planned total_timesteps (${this.config.total_timesteps}) are done; pass totalSteps to train further`);
    }
    if (!Number.isInteger(totalSteps) || totalSteps <= 0) throw new RangeError(`train totalSteps is ${totalSteps}; expected a positive integer`);
    let toSubmit = ppo.iterationsFor(totalSteps);
    const horizon = this.plannedIterations;
    this.startTime ??= performance.now();
    const submit = async (iteration: number) => {
      toSubmit--;
      this.inFlight = { iteration, read: await ppo.submitIteration(iteration, horizon) };
    };
    await submit(ppo.iteration + 1);
    let failure: unknown;
    try {
      while (this.inFlight) {
        const flight = this.inFlight;
        // The next iteration goes to the GPU before this one's statistics are read.
        if (toSubmit > 0) await submit(flight.iteration + 1);
        else this.inFlight = undefined;
        const report = flight.report ?? this.report(await flight.read());
        yield report;
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // Stopped early: the iteration already submitted still ran; count it (its own health report is dropped
      // when an error is already on its way: the first failing iteration is the one to name).
      try {
        await this.settle();
      } catch (error) {
        if (failure === undefined) throw error;
      }
      this.inFlight = undefined;
    }
  }

  /** Waits for the iteration in flight, if any, and counts it (saveTrainer and exportPolicy call this first). */
  async settle(): Promise<void> {
    const flight = this.inFlight;
    if (flight && !flight.report) flight.report = this.report(await flight.read());
  }

  private report(words: Float32Array): IterationReport {
    const ppo = this.algorithm;
    this.startStep ??= ppo.globalStep;
    ppo.iteration += 1;
    ppo.globalStep += ppo.batchSize;
    const stats = IterationStats.decode(words);
    Ppo.checkHealth(stats, ppo.iteration);
    const wallSeconds = (performance.now() - (this.startTime ?? performance.now())) / 1000;
    const recentReturn = stats.recentCount > 0 ? stats.recentReturnMean : null;
    this.lastRecent = recentReturn;
    const threshold = this.spec.rewardThreshold;
    if (this.solvedAtStep === null && threshold !== null && stats.recentCount >= SOLVED_WINDOW && stats.recentReturnMean >= threshold) {
      this.solvedAtStep = ppo.globalStep;
    }
    return {
      ...stats,
      iteration: ppo.iteration,
      globalStep: ppo.globalStep,
      episodicReturn: stats.episodes > 0 ? stats.returnSum / stats.episodes : null,
      episodicLength: stats.episodes > 0 ? stats.lengthSum / stats.episodes : null,
      recentReturn,
      wallSeconds,
      sps: wallSeconds > 0 ? (ppo.globalStep - this.startStep) / wallSeconds : 0,
    };
  }

  async train(options: TrainOptions = {}): Promise<TrainSummary> {
    const startStep = this.globalStep;
    const start = performance.now();
    for await (const stats of this.iterations(options)) {
      if ((await options.onIteration?.(stats)) === false) break;
    }
    const wallSeconds = (performance.now() - start) / 1000;
    return this.summary(this.globalStep - startStep, wallSeconds);
  }

  /** The run so far; `steps` and `wallSeconds` are those of the train() call being summarised (its SPS). */
  summary(steps: number, wallSeconds: number): TrainSummary {
    const startStep = this.startStep ?? this.globalStep;
    return {
      env: this.config.env,
      algo: this.config.algo,
      seed: this.config.seed,
      totalSteps: this.globalStep,
      resumedFromStep: startStep > 0 ? startStep : null,
      iterations: this.algorithm.iteration,
      wallSeconds,
      sps: wallSeconds > 0 ? steps / wallSeconds : 0,
      solvedAtStep: this.solvedAtStep,
      recentReturn: this.lastRecent,
      adapter: this.gpu.adapter,
      gpu: {
        dispatchesPerIteration: this.algorithm.lastDispatches,
        submitsPerIteration: this.algorithm.submitsPerIteration,
        readbacksPerIteration: this.algorithm.readbacksPerIteration,
        bufferBytes: this.gpu.bytesAllocated,
      },
    };
  }

  /**
   * Whole episodes with the current policy, one per environment: on GPU environments all at once (one dispatch,
   * one readback); on JavaScript ones by stepping a fresh batch with policy.act until each episode has ended.
   */
  async evaluate(options: EvaluateOptions = {}): Promise<EvaluationResult> {
    const episodes = options.episodes ?? 100;
    if (!Number.isInteger(episodes) || episodes <= 0) throw new RangeError(`evaluate episodes is ${episodes}; expected a positive integer`);
    const deterministic = options.deterministic ?? true;
    const seed = options.seed ?? (this.config.seed + 1_000_003) >>> 0;
    if (this.env instanceof JsVecEnv) return this.evaluateJs(episodes, deterministic, seed);
    this.evaluator ??= await Evaluator.create(this.gpu, (this.env as GpuVecEnv).definition, this.algorithm.agent, this.policy.normalization);
    return this.evaluator.run(this.algorithm.params, this.algorithm.normalizer.stats, episodes, deterministic, seed);
  }

  private async evaluateJs(episodes: number, deterministic: boolean, seed: number): Promise<EvaluationResult> {
    const env = new JsVecEnv((this.env as JsVecEnv).definition, { numEnvs: episodes, seed });
    const out = allocateStepResult(env.spec, episodes);
    env.resetInto(out.obs);
    const returns = new Array<number>(episodes).fill(0);
    const lengths = new Array<number>(episodes).fill(0);
    const done = new Uint8Array(episodes);
    let remaining = episodes;
    for (let step = 0; step < env.spec.maxEpisodeSteps && remaining > 0; step++) {
      const actions = await this.policy.act(out.obs, { deterministic });
      env.stepInto(actions, out);
      for (let e = 0; e < episodes; e++) {
        if (done[e]) continue;
        returns[e]! += out.reward[e]!;
        lengths[e]! += 1;
        if (out.terminated[e] || out.truncated[e]) {
          done[e] = 1;
          remaining--;
        }
      }
    }
    env.destroy();
    const mean = returns.reduce((a, b) => a + b, 0) / episodes;
    const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
    return { returns, lengths, mean, std, episodes, deterministic };
  }

  destroy(): void {
    this.policy.destroy();
    this.algorithm.destroy();
    this.env.destroy();
  }
}

/** Validates the configuration and builds a trainer (see Trainer). */
export function createTrainer(config: Partial<TrainerConfig> & { env: string }, options: { gpu?: Gpu } = {}): Promise<Trainer> {
  return Trainer.create(config, options.gpu);
}
