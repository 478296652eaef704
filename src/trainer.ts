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
 *
 * Misuse is refused: one train() / iterations() loop at a time (a second one rejects at once); saveTrainer,
 * exportPolicy and evaluate during training run between two submissions, after the iterations in flight have
 * finished and been counted (a consistent snapshot; training goes on after them); after destroy() every method
 * throws DestroyedError, and destroy() during training stops it (train() rejects with DestroyedError).
 */
import { getGpu, type AdapterDescription, type Gpu } from './gpu/device.js';
import { maxStorageBytes } from './gpu/buffers.js';
import { createEnv } from './envs/create.js';
import { envCapacity, GpuVecEnv } from './envs/gpuEnv.js';
import { allocateStepResult, JsVecEnv } from './envs/jsEnv.js';
import { getEnvDefinition, isGpuEnvDefinition, type EnvDefinition } from './envs/registry.js';
import type { EnvSpec } from './envs/spec.js';
import { ConfigError, resolveConfig, type TrainerConfig } from './config.js';
import { actionWidth, AgentLayout, architectureFor } from './agent/agent.js';
import { RolloutLayout } from './ppo/storage.js';
import { DestroyedError } from './destroyed.js';
import { checkOptionKeys } from './options.js';
import { evaluationEpisodeSteps, Evaluator, type EvaluationResult } from './agent/evaluate.js';
import { Ppo, type IterationReport } from './ppo/ppo.js';
import { GpuPolicy } from './policy.js';
import { TrainingLoop } from './trainingLoop.js';

export interface TrainOptions {
  /**
   * Environment steps to train for, rounded down to whole iterations (default: what remains of the config's
   * total_timesteps). The learning-rate schedule spans total_timesteps whatever the calls.
   */
  totalSteps?: number;
  /** Called after every iteration; return false to stop after it. */
  onIteration?: (stats: IterationReport) => void | boolean | Promise<void | boolean>;
}

/** One iteration of the run's history (the summary's `history`). */
export interface HistoryEntry {
  iteration: number;
  globalStep: number;
  /** Mean return of the episodes that ended in the iteration (null if none). */
  episodicReturn: number | null;
  /** Mean return of the last 20 training episodes (null before any ended). */
  recentReturn: number | null;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /**
   * KL[π_old ‖ π_θ], exact, averaged over the whole batch after the iteration's update (every algorithm; for
   * ppo-penalty it is the d that adapts β). CleanRL's approx_kl estimator of the last minibatch is the iteration
   * report's approxKl.
   */
  approxKl: number;
  /** Two-player games: the learner's Elo after the iteration; null otherwise. */
  elo: number | null;
}

export interface TrainSummary {
  env: string;
  algo: string;
  /** REINFORCE's ψ; null for the other algorithms. */
  psi: string | null;
  /** The resolved configuration: every key, with the defaults filled in. */
  config: TrainerConfig;
  /** One entry per iteration this trainer ran (a resumed trainer's starts at the checkpoint). */
  history: HistoryEntry[];
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
  /**
   * Two-player games: the learner's Elo, each snapshot's in the pool (by slot) and the snapshots taken so far
   * (the initial policy included); null for one-player environments.
   */
  selfPlay: { elo: number; snapshotElos: number[]; snapshots: number } | null;
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
  private lastSelfPlay: IterationReport['selfPlay'] = null;
  private readonly history: HistoryEntry[] = [];
  private evaluator: Evaluator | undefined;
  /** The iteration scheduling (one in flight while the previous one is read; snapshots between submissions). */
  private readonly flightLoop: TrainingLoop<IterationReport> = this.loopOwner();
  private destroyed = false;
  /** Set on the agents of a population: their loop, snapshots and memory are the population's. */
  private owner: TrainerOwner | undefined;

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
    const resolved = resolveConfig(config, definition.action.type === 'box', definition.observationShape);
    if (resolved.encoder !== null && definition.players === 2) {
      throw new ConfigError('encoder', resolved.encoder, `null for the two-player environment '${definition.id}' (the opponent pool's kernel runs the MLP alone)`);
    }
    const device = gpu ?? (await getGpu());
    checkBatchFits(device, resolved, definition);
    const env = await createEnv(resolved.env, { numEnvs: resolved.num_envs, seed: resolved.seed, gpu: device });
    const algorithm = await Ppo.create(device, env, resolved);
    const policy = await GpuPolicy.create(
      device,
      definition,
      algorithm.agent,
      { params: algorithm.state.params, norm: algorithm.state.normStats },
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
   * already submitted; breaking out of the loop waits for it and counts it, so that counters and GPU state agree.
   * Rejects at once when another train() / iterations() loop of this trainer is running.
   */
  async *iterations(options: Pick<TrainOptions, 'totalSteps'> = {}): AsyncGenerator<IterationReport> {
    this.assertAlive('Trainer.iterations');
    checkOptionKeys('Trainer.iterations', options, ['totalSteps']);
    this.assertNotMember('iterations');
    this.flightLoop.begin('Trainer.iterations()');
    try {
      yield* this.loop(options.totalSteps);
    } finally {
      this.flightLoop.end();
    }
  }

  private async *loop(requested: number | undefined): AsyncGenerator<IterationReport> {
    const ppo = this.algorithm;
    const toSubmit = iterationsToRun(ppo, this.config.total_timesteps, requested);
    const horizon = this.plannedIterations;
    this.startTime ??= performance.now();
    yield* this.flightLoop.run(toSubmit, () => ppo.iteration, (iteration) => ppo.submitIteration(iteration, horizon), 'Trainer.train');
  }

  private loopOwner(): TrainingLoop<IterationReport> {
    const trainer = this;
    return new TrainingLoop<IterationReport>({
      count: (words) => trainer.countIteration(words, trainer.startTime ?? performance.now()),
      get destroyed() {
        return trainer.destroyed;
      },
      assertAlive: (method, detail) => trainer.assertAlive(method, detail),
    });
  }

  private assertAlive(method: string, detail?: string): void {
    if (this.destroyed) throw new DestroyedError(method, detail ?? `the trainer's GPU memory is freed`);
  }

  private assertNotMember(method: string): void {
    if (this.owner) throw new Error(`Trainer.${method}(): this trainer is ${this.owner.describe(this)}; call ${method}() on the population, which trains its agents together`);
  }

  /** Makes this trainer an agent of a population: its loop, snapshots and memory are the population's. */
  adopt(owner: TrainerOwner): void {
    this.owner = owner;
  }

  /**
   * Runs `read` with the trainer at rest: after every iteration already submitted has finished and been counted,
   * and with no new iteration submitted until `read` has finished (a training loop, if any, goes on afterwards).
   * saveTrainer, exportPolicy and evaluate read through it, so that what they read belongs to one iteration.
   * `read` must not itself call saveTrainer, exportPolicy, evaluate, settle or snapshot on this trainer (they
   * would wait for it to finish). An agent of a population waits for the population's iterations.
   */
  snapshot<T>(read: () => Promise<T>, method = 'Trainer.snapshot'): Promise<T> {
    if (this.owner && !this.destroyed) return this.owner.snapshot(read, method);
    return this.flightLoop.snapshot(read, method);
  }

  /** Waits for the iterations in flight, if any, and counts them. */
  settle(): Promise<void> {
    return this.snapshot(async () => undefined, 'Trainer.settle');
  }

  /**
   * Counts one iteration from its statistics block (in submission order) and returns its report; `startTime`
   * (performance.now()) is the base of its wall-clock seconds. A population counts its agents' iterations here.
   */
  countIteration(words: Float32Array, startTime: number): IterationReport {
    const ppo = this.algorithm;
    this.startStep ??= ppo.globalStep;
    const stats = ppo.completeIteration(words);
    const wallSeconds = (performance.now() - startTime) / 1000;
    const recentReturn = stats.recentCount > 0 ? stats.recentReturnMean : null;
    this.lastRecent = recentReturn;
    const threshold = this.spec.rewardThreshold;
    if (this.solvedAtStep === null && threshold !== null && stats.recentCount >= SOLVED_WINDOW && stats.recentReturnMean >= threshold) {
      this.solvedAtStep = ppo.globalStep;
    }
    const report: IterationReport = {
      ...stats,
      iteration: ppo.iteration,
      globalStep: ppo.globalStep,
      episodicReturn: stats.episodes > 0 ? stats.returnSum / stats.episodes : null,
      episodicLength: stats.episodes > 0 ? stats.lengthSum / stats.episodes : null,
      recentReturn,
      wallSeconds,
      sps: wallSeconds > 0 ? (ppo.globalStep - this.startStep) / wallSeconds : 0,
    };
    this.history.push({
      iteration: report.iteration,
      globalStep: report.globalStep,
      episodicReturn: report.episodicReturn,
      recentReturn,
      policyLoss: stats.policyLoss,
      valueLoss: stats.valueLoss,
      entropy: stats.entropy,
      approxKl: stats.kl,
      elo: stats.selfPlay?.elo ?? null,
    });
    this.lastSelfPlay = stats.selfPlay;
    return report;
  }

  async train(options: TrainOptions = {}): Promise<TrainSummary> {
    this.assertAlive('Trainer.train');
    checkOptionKeys('Trainer.train', options, ['totalSteps', 'onIteration']);
    if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
      throw new TypeError(`Trainer.train(): onIteration is ${typeof options.onIteration}; expected a function (stats) => void | boolean`);
    }
    this.assertNotMember('train');
    this.flightLoop.assertNotTraining('Trainer.train()');
    const startStep = this.globalStep;
    const start = performance.now();
    for await (const stats of this.iterations({ totalSteps: options.totalSteps })) {
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
      psi: this.config.algo === 'reinforce' ? this.config.psi : null,
      config: { ...this.config, hidden_sizes: [...this.config.hidden_sizes] },
      history: this.history.map((entry) => ({ ...entry })),
      seed: this.config.seed,
      totalSteps: this.globalStep,
      resumedFromStep: startStep > 0 ? startStep : null,
      iterations: this.algorithm.iteration,
      wallSeconds,
      sps: wallSeconds > 0 ? steps / wallSeconds : 0,
      solvedAtStep: this.solvedAtStep,
      recentReturn: this.lastRecent,
      selfPlay:
        this.algorithm.selfPlay === undefined
          ? null
          : this.lastSelfPlay
            ? { elo: this.lastSelfPlay.elo, snapshotElos: [...this.lastSelfPlay.snapshotElos], snapshots: this.lastSelfPlay.snapshots }
            : this.algorithm.selfPlay.book.standing(),
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
    this.assertAlive('Trainer.evaluate');
    checkOptionKeys('Trainer.evaluate', options, ['episodes', 'deterministic', 'seed']);
    if (this.spec.players === 2) {
      throw new Error(`Trainer.evaluate: '${this.spec.id}' is a two-player game; its training report gives the games and Elo (selfPlay), and winRates in src/selfplay/match.ts plays the policy against others`);
    }
    const episodes = options.episodes ?? 100;
    if (!Number.isInteger(episodes) || episodes <= 0) throw new RangeError(`evaluate episodes is ${episodes}; expected a positive integer`);
    const deterministic = options.deterministic ?? true;
    if (typeof deterministic !== 'boolean') throw new TypeError(`evaluate deterministic is ${String(deterministic)}; expected true or false`);
    const seed = options.seed ?? (this.config.seed + 1_000_003) >>> 0;
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`evaluate seed is ${seed}; expected an integer in [0, 2^32)`);
    // Between two iterations: the parameters and statistics it reads belong to one iteration.
    return this.snapshot(async () => {
      if (this.env instanceof JsVecEnv) return this.evaluateJs(episodes, deterministic, seed);
      this.evaluator ??= await Evaluator.create(this.gpu, (this.env as GpuVecEnv).definition, this.algorithm.agent, this.policy.normalization);
      return this.evaluator.run(this.algorithm.state.params, this.algorithm.state.normStats, episodes, deterministic, seed);
    }, 'Trainer.evaluate');
  }

  private async evaluateJs(episodes: number, deterministic: boolean, seed: number): Promise<EvaluationResult> {
    const env = new JsVecEnv((this.env as JsVecEnv).definition, { numEnvs: episodes, seed });
    const out = allocateStepResult(env.spec, episodes);
    env.resetInto(out.obs);
    const returns = new Array<number>(episodes).fill(0);
    const lengths = new Array<number>(episodes).fill(0);
    const done = new Uint8Array(episodes);
    let remaining = episodes;
    const mask = env.spec.actionMask ? new Float32Array(episodes * this.algorithm.agent.policyOutputs) : undefined;
    for (let step = 0; step < evaluationEpisodeSteps(env.spec.maxEpisodeSteps) && remaining > 0; step++) {
      if (mask) env.actionMaskInto(mask);
      const actions = await this.policy.act(out.obs, { deterministic, ...(mask ? { mask } : {}) });
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

  /**
   * Frees the trainer's GPU memory; every later call throws DestroyedError; a second call does nothing. During
   * training (or a snapshot, or policy.act calls) the memory is freed once the work in flight has finished, and
   * the training loop stops before its next iteration: train() rejects with DestroyedError.
   */
  destroy(): void {
    if (this.destroyed) return;
    if (this.owner) throw new Error(`Trainer.destroy(): this trainer is ${this.owner.describe(this)}; destroy the population, which frees every agent`);
    this.release();
  }

  /** Frees the memory (see destroy; a population frees its agents here). */
  release(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.policy.destroy();
    const release = () => {
      this.algorithm.destroy();
      this.env.destroy();
    };
    if (this.flightLoop.idle && this.policy.idle) {
      release();
      return;
    }
    void this.flightLoop.exclusive(async () => {
      await this.flightLoop.quiesce();
      await this.policy.whenIdle();
      release();
    });
  }
}

/** What an agent of a population defers to (see Trainer.adopt). */
export interface TrainerOwner {
  snapshot<T>(read: () => Promise<T>, method: string): Promise<T>;
  /** e.g. "agent 2 (seed 3) of a population of 4". */
  describe(member: Trainer): string;
}

/**
 * Iterations to submit for `requested` environment steps (default: what remains of total_timesteps); throws a
 * RangeError when the plan is done or the number is not a positive integer.
 */
export function iterationsToRun(ppo: Pick<Ppo, 'globalStep' | 'batchSize' | 'iterationsFor'>, totalTimesteps: number, requested: number | undefined): number {
  const remaining = totalTimesteps - ppo.globalStep;
  const totalSteps = requested ?? remaining;
  if (requested === undefined && remaining < ppo.batchSize) {
    throw new RangeError(`train: the planned total_timesteps (${totalTimesteps}) are done; pass totalSteps to train further`);
  }
  if (!Number.isInteger(totalSteps) || totalSteps <= 0) throw new RangeError(`train totalSteps is ${totalSteps}; expected a positive integer`);
  return ppo.iterationsFor(totalSteps);
}

/**
 * Checks, before anything is allocated, that the environments and the rollout of `config` fit the device's
 * buffer limits; a ConfigError names the key that is too large and the largest values that fit.
 */
export function checkBatchFits(gpu: Gpu, config: TrainerConfig, definition: EnvDefinition): void {
  const limits = gpu.limits;
  const n = config.num_envs;
  const t = config.num_steps;
  const minibatches = config.num_minibatches;
  if (isGpuEnvDefinition(definition)) {
    const capacity = envCapacity(limits, definition);
    if (n > capacity.numEnvs) {
      throw new ConfigError(
        'num_envs',
        n,
        `at most ${capacity.numEnvs} on this device: buffer ${capacity.buffer} takes ${capacity.bytesPerEnv} bytes per environment ` +
          `and the device's ${capacity.limitName} is ${capacity.limit} bytes`,
      );
    }
  }
  const agent = new AgentLayout(architectureFor(config, definition));
  const bytes = (numEnvs: number, numSteps: number) =>
    new RolloutLayout({
      numEnvs,
      numSteps,
      obsSize: definition.observationSize,
      actionWidth: actionWidth(definition.action),
      policyOutputs: agent.policyOutputs,
      keepOldDist: true,
      masked: definition.actionMask === true,
    }).bytes;
  const limit = maxStorageBytes(limits);
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const needed = bytes(n, t);
  if (needed <= limit) return;
  // The largest value of one key (the other fixed) whose rollout fits and whose batch num_minibatches divides.
  const largest = (upTo: number, fits: (v: number) => boolean, divides: (v: number) => boolean): number => {
    let low = 0;
    let high = upTo;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid - 1;
    }
    while (low > 0 && !divides(low)) low--;
    return low;
  };
  const steps = largest(t, (v) => bytes(n, v) <= limit, (v) => (n * v) % minibatches === 0);
  const envs = largest(n, (v) => bytes(v, t) <= limit, (v) => (v * t) % minibatches === 0);
  const options = [
    ...(steps > 0 ? [`num_steps <= ${steps} at num_envs ${n}`] : []),
    ...(envs > 0 ? [`num_envs <= ${envs} at num_steps ${t}`] : []),
  ];
  const perSample = needed / (n * t);
  throw new ConfigError(
    steps > 0 ? 'num_steps' : 'num_envs',
    steps > 0 ? t : n,
    `a value whose rollout fits the device: num_envs x num_steps = ${n} x ${t} = ${n * t} samples need ${needed} bytes of rollout ` +
      `storage (about ${perSample.toFixed(0)} per sample), over the device's ${limitName} of ${limit} bytes; ` +
      (options.length > 0 ? `use ${options.join(' or ')}` : 'use fewer environments and fewer steps') +
      (minibatches > 1 ? ` (values that num_minibatches ${minibatches} divides the batch of)` : ''),
  );
}

/** What createTrainer (createTrainer.ts) takes: the configuration's keys, and for a population its seeds and per-agent keys. */
export type TrainerInput = Partial<TrainerConfig> & { env: string };
