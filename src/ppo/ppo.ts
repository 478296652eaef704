/**
 * PPO (Clip and Penalty) entirely on the GPU, laid out like CleanRL's ppo.py: the same names, the same loop.
 * A2C and REINFORCE run the same loop with one gradient step on the whole batch (update_epochs = num_minibatches = 1):
 * at that step π_θ = π_old, so r = 1, the clip is inactive and the surrogate's gradient ∇(-A r) is the policy
 * gradient -A ∇log π. A2C's A is GAE's (λ = 1 by default: n-step returns); REINFORCE's ψ is read out of GAE's scan (psi.ts).
 * Each iteration is ONE command buffer, submitted without waiting; its only readback is the statistics block, read
 * while the GPU runs the next one. The run's GPU state is one record (runnerState.ts, PureJaxRL's runner_state)
 * that every pass receives; the counters (iteration, global_step) are the loop's.
 *
 *   for iteration in 1..num_iterations:
 *       lrnow = (1 - (iteration - 1) / num_iterations) * learning_rate      (anneal_lr)
 *       rollout:    num_steps x num_envs transitions, fused policy + environment     rollout.ts / jsRollout.ts
 *       normalise:  fold the rollout's observation / return sums into the running statistics      (norm_obs, norm_reward)
 *       GAE:        advantages, returns = advantages + values                        gae.ts
 *                   (REINFORCE: advantages = ψ, another read-out of the scan)         ../reinforce/psi.ts
 *       update:     update_epochs x num_minibatches PPO steps with Adam              update.ts
 *                   (TRPO: the actor's natural-gradient step within KL ≤ max_kl     ../trpo/update.ts
 *                    then the critic's regression, update_epochs x num_minibatches Adam steps on ½(V - R)²)
 *       move:       d = batch KL[π_old ‖ π_θ] after the update (every algorithm); PPO-Penalty: β ×2 if
 *                   d > 1.5 kl_target, ÷2 if d < kl_target / 1.5                    batchKl.ts
 *       statistics: episode returns, losses, KL, clip fraction, explained variance   iterationStats.ts
 *
 * Two-player games (self-play, ../selfplay/): the rollout plays the learner against opponents from a pool of
 * snapshots in the same dispatch; the learner's parameters are copied into the pool's buffer before it, a snapshot
 * is copied in after the update when due, and the iteration's games per opponent are reduced and read back with
 * the statistics (the same one readback); the Elo ratings are kept on the host (league.ts).
 */
import type { Gpu } from '../gpu/device.js';
import { readFloat32, ReadbackRing } from '../gpu/readback.js';
import { Recorder } from '../gpu/recorder.js';
import { GpuVecEnv } from '../envs/gpuEnv.js';
import type { JsVecEnv } from '../envs/jsEnv.js';
import { STATS_WORDS } from './iterationStats.wgsl.js';
import { categoricalHeads, type EnvSpec } from '../envs/spec.js';
import { emptyMaskError } from '../envs/errors.js';
import { actionWidth, AgentLayout, architectureFor } from '../agent/agent.js';
import { NormalizerMerge } from '../agent/normalizer.js';
import type { TrainerConfig } from '../config.js';
import { Gae, GAE_READOUT, type BoundGae } from './gae.js';
import { psiScan } from '../reinforce/psi.js';
import { IterationStats, type IterationGpuStats } from './iterationStats.js';
import { BatchKl } from './batchKl.js';
import { TrpoUpdate } from '../trpo/update.js';
import { PpoUpdate } from './update.js';
import { JsRollout } from './jsRollout.js';
import { Rollout } from './rollout.js';
import { RunnerState, type PersistentEntry } from './runnerState.js';
import { RolloutLayout } from './storage.js';
import { kernelChoiceFor, type RunChoice, type RunChoiceOptions } from '../tune/forRun.js';
import { GRADIENT_TILINGS } from '../tune/choice.js';
import { SelfPlay } from '../selfplay/selfPlay.js';
import { selfPlayTrackerRows } from '../selfplay/selfplay.wgsl.js';
import type { SelfPlayReport } from '../selfplay/league.js';
import { playersOf } from '../envs/spec.js';

export type { PersistentEntry };

/** What one iteration reports (the statistics block, decoded, plus counters). */
export interface IterationReport extends IterationGpuStats {
  iteration: number;
  /** Environment steps taken so far (CleanRL's global_step). */
  globalStep: number;
  /** Mean return of the episodes that ended in this iteration (null if none). */
  episodicReturn: number | null;
  /** Mean length of those episodes (null if none). */
  episodicLength: number | null;
  /** Mean return of the last 20 training episodes (null before any ended). */
  recentReturn: number | null;
  /** Wall-clock seconds since training started. */
  wallSeconds: number;
  /** Environment steps per second since training started. */
  sps: number;
  /** Two-player games: the iteration's games and the Elo ratings after them; null for one-player environments. */
  selfPlay: SelfPlayReport | null;
}

/** NaN or infinity in training: the message names the quantity and the iteration; parameters are the last good. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    readonly quantity: string,
    readonly iteration: number,
  ) {
    super(
      `training stopped: ${quantity} became NaN or infinite at iteration ${iteration}; the parameters were kept at ` +
        'their last finite values (lower learning_rate or max_grad_norm, or check the environment\'s rewards)',
    );
  }
}

/**
 * The reader of an iteration's statistics, submitted since the device's call counters were `before`: when it has
 * read them, `counted` gets the iteration's submits and readbacks (mapAsync calls, the statistics' own included).
 */
export function countedRead(
  gpu: Gpu,
  before: { submits: number; mapAsyncs: number },
  read: () => Promise<ArrayBuffer>,
  counted: (submits: number, readbacks: number) => void,
): () => Promise<Float32Array> {
  const submits = gpu.calls.submits - before.submits;
  const maps = gpu.calls.mapAsyncs - before.mapAsyncs;
  return async () => {
    // read() calls mapAsync before its first await: the difference counts exactly the statistics' own maps.
    const mapsBefore = gpu.calls.mapAsyncs;
    const bytes = read();
    const statsMaps = gpu.calls.mapAsyncs - mapsBefore;
    const words = new Float32Array(await bytes);
    counted(submits, maps + statsMaps);
    return words;
  };
}

export class Ppo {
  readonly agent: AgentLayout;
  readonly layout: RolloutLayout;
  /** The run's GPU state, handed to every pass. */
  readonly state: RunnerState;
  readonly batchSize: number;
  /** Completed iterations (CleanRL's iteration) and environment steps taken (global_step). */
  private completed = { iteration: 0, globalStep: 0 };
  /** The passes of one iteration, in the order they are encoded. */
  private rollout!: Rollout | JsRollout;
  private normalize!: NormalizerMerge;
  /** GAE, or REINFORCE's ψ: writes the advantages and the critic's targets. */
  private gae!: BoundGae;
  /** PPO's update; TRPO's critic regression. */
  update!: PpoUpdate;
  /** TRPO's actor step (algo 'trpo' only). */
  private trpo: TrpoUpdate | undefined;
  /** Two-player games: the pool, its snapshots and the games' reduction. */
  selfPlay: SelfPlay | undefined;
  /** Self-play's plan for the iteration being recorded (snapshots and opponents), from encodeRollout to encodeLearning. */
  private plan: ReturnType<SelfPlay['encodeBeforeRollout']> | undefined;
  private batchKl!: BatchKl;
  private stats!: IterationStats;
  private ring!: ReadbackRing;
  private started = false;
  /** The layouts of the loss, gradient and rollout kernels (tune: false: the fixed defaults) and where they came from. */
  kernels!: RunChoice;
  /** Dispatches of the last iteration submitted (the summary's dispatchesPerIteration). */
  lastDispatches = 0;
  /**
   * queue.submit and mapAsync calls of the last iteration whose statistics were read (the summary's
   * submitsPerIteration and readbacksPerIteration), counted on the device while the iteration was submitted and
   * while its statistics were mapped (see Gpu.calls): 1 and 1 on GPU environments, T + 1 and T + 1 with
   * JavaScript ones. Work of other code on the same device while an iteration is being submitted counts too.
   */
  submitsPerIteration = 0;
  readbacksPerIteration = 0;

  private constructor(
    private readonly gpu: Gpu,
    readonly env: GpuVecEnv | JsVecEnv,
    readonly config: TrainerConfig,
  ) {
    const def = env.definition;
    this.agent = Ppo.agentFor(config, def);
    this.layout = new RolloutLayout({
      numEnvs: config.num_envs,
      numSteps: config.num_steps,
      obsSize: def.observationSize,
      actionWidth: actionWidth(def.action),
      policyOutputs: this.agent.policyOutputs,
      // Every algorithm reports KL[π_old ‖ π_θ] over the batch after its update (BatchKl).
      keepOldDist: true,
      masked: def.actionMask === true,
    });
    this.batchSize = config.num_envs * config.num_steps;
    this.state = new RunnerState(gpu, {
      agent: this.agent,
      layout: this.layout,
      updateEpochs: config.update_epochs,
      numMinibatches: config.num_minibatches,
      learningRate: config.learning_rate,
      initBeta: config.init_beta,
      seed: config.seed,
      trackerRows: Ppo.trackerRows(config, def),
    });
  }

  /** Rows of the episode tracker: return and length, and self-play's rows for two-player games. */
  private static trackerRows(config: TrainerConfig, definition: EnvSpec): number {
    return playersOf(definition) === 2 ? selfPlayTrackerRows(config.window) : 2;
  }

  /** `tune`: where the kernel choice is cached and how a tuning reports (config.tune); default the platform's cache. */
  static async create(gpu: Gpu, env: GpuVecEnv | JsVecEnv, config: TrainerConfig, tune: RunChoiceOptions = {}): Promise<Ppo> {
    const self = new Ppo(gpu, env, config);
    try {
      self.kernels = await kernelChoiceFor(
        gpu,
        { config, agent: self.agent, gpuEnv: env instanceof GpuVecEnv ? env.definition : undefined, masked: self.layout.shape.masked ?? false },
        tune,
      );
      await self.createPasses();
    } catch (error) {
      self.destroy();
      throw error;
    }
    return self;
  }

  private async createPasses(): Promise<void> {
    const { gpu, env, config, agent, layout, state } = this;
    if (playersOf(env.definition) === 2) {
      if (!(env instanceof GpuVecEnv)) {
        throw new Error(`createTrainer: self-play trains two-player GPU environments (defineGpuEnv with players: 2); '${env.definition.id}' is a JavaScript one`);
      }
      this.selfPlay = await SelfPlay.create(gpu, agent, config, state);
    }
    const obsSize = agent.architecture.observationSize;
    const penalty = config.algo === 'ppo-penalty';
    const trpo = config.algo === 'trpo';
    // TRPO's actor step owns the state its statistics read.
    const actorStep = trpo
      ? TrpoUpdate.create(
          gpu,
          agent,
          layout,
          {
            maxKl: config.max_kl,
            damping: config.cg_damping,
            cgIterations: config.cg_iters,
            lineSearchTries: config.backtrack_iters,
            lineSearchShrink: config.backtrack_coef,
            normAdv: config.norm_adv,
          },
          state,
        )
      : Promise.resolve(undefined);
    const { choice } = this.kernels;
    const [rollout, normalize, gae, update, trpoStep, batchKl, stats] = await Promise.all([
      env instanceof GpuVecEnv ? Rollout.create(gpu, env, agent, layout, config, state, choice.rolloutWorkgroup, this.selfPlay) : JsRollout.create(gpu, env, agent, layout, config, state),
      NormalizerMerge.create(gpu, obsSize, config.num_envs, { stats: state.normStats, lanes: state.normLanes }),
      Gae.create(gpu),
      PpoUpdate.create(
        gpu,
        agent,
        layout,
        {
          algo: trpo ? 'critic' : penalty ? 'penalty' : 'clip',
          numMinibatches: config.num_minibatches,
          updateEpochs: config.update_epochs,
          learningRate: config.learning_rate,
          adamEps: config.adam_eps,
          maxGradNorm: config.max_grad_norm,
          lossSamples: choice.lossSamples,
          lossTile: choice.lossTile,
          gradientTiling: GRADIENT_TILINGS[choice.gradientTiling],
        },
        state,
      ),
      actorStep,
      BatchKl.create(gpu, agent, layout, state, { adaptBeta: penalty }),
      actorStep.then((step) =>
        IterationStats.create(
          gpu,
          { paramCount: agent.table.size, ...(layout.shape.masked ? { maskHeads: categoricalHeads(agent.architecture.action)! } : {}) },
          { ...state, trpoState: step?.state },
        ),
      ),
    ]);
    Object.assign(this, { rollout, normalize, update, trpo: trpoStep, batchKl, stats });
    const o = layout.offsets;
    const regions = { rewards: o.rewards, values: o.values, dones: o.dones, finalValues: o.finalValues, advantages: o.advantages, returns: o.returns };
    const { lambda, readout } = config.algo === 'reinforce' ? psiScan(config.psi, config.gae_lambda) : { lambda: config.gae_lambda, readout: GAE_READOUT };
    this.gae = gae.bind('Ppo.gae', state.storage, config.num_envs, config.num_steps, regions, config.gamma, lambda, readout);
    this.ring = new ReadbackRing(gpu, 'Ppo.statsReadback', (STATS_WORDS + (this.selfPlay?.buckets ?? 0)) * 4);
  }

  get iteration(): number {
    return this.completed.iteration;
  }

  get globalStep(): number {
    return this.completed.globalStep;
  }

  /** The counters of a resumed run (from its checkpoint). */
  restoreCounters(iteration: number, globalStep: number): void {
    this.completed = { iteration, globalStep };
  }

  /** Number of iterations for `totalSteps` environment steps (CleanRL: total_timesteps // batch_size, at least 1). */
  iterationsFor(totalSteps: number): number {
    return Math.max(1, Math.floor(totalSteps / this.batchSize));
  }

  /**
   * Encodes and submits one iteration (number `iteration` of the `numIterations` of the learning-rate schedule)
   * and returns a function that resolves to its statistics block. Never waits for the GPU (on GPU environments),
   * except for a free readback slot when the CPU is three iterations ahead.
   */
  async submitIteration(iteration: number, numIterations: number): Promise<() => Promise<Float32Array>> {
    const c = this.config;
    const before = { ...this.gpu.calls };
    let read!: () => Promise<ArrayBuffer>;
    // Everything after the rollout, in the same command buffer.
    const learn = async (recorder: Recorder) => {
      this.encodeLearning(recorder);
      read = await this.ring.enqueueAll(recorder, this.readbackRegions());
    };
    this.lastDispatches = 0;
    this.prepareIteration(iteration, numIterations);
    if (this.rollout instanceof Rollout) {
      const recorder = new Recorder(this.gpu, `Ppo.iteration${iteration}`);
      this.encodeRollout(recorder, iteration);
      await learn(recorder);
      recorder.submit();
    } else {
      // JavaScript environments: num_steps submits with one readback each, then the learning submit.
      await this.rollout.collect(c.seed, (iteration - 1) * c.num_steps, async (recorder) => {
        // The num_steps policy steps already submitted and the bootstrap step in this recorder.
        this.lastDispatches += recorder.dispatches + c.num_steps;
        await learn(recorder);
      });
    }
    return countedRead(this.gpu, before, read, (submits, readbacks) => {
      this.submitsPerIteration = submits;
      this.readbacksPerIteration = readbacks;
    });
  }

  /**
   * Writes the uniforms of iteration `iteration` of `numIterations` (the learning-rate schedule, the update's
   * hyperparameters); they reach the GPU before the next submit.
   */
  prepareIteration(iteration: number, numIterations: number): void {
    const c = this.config;
    // CleanRL's linear schedule over the planned iterations; past the plan it stays at its last value.
    const frac = c.anneal_lr ? Math.max(1 - (iteration - 1) / numIterations, 1 / numIterations) : 1;
    const lrnow = frac * c.learning_rate;
    this.update.prepare(
      {
        clipCoef: c.clip_coef,
        entCoef: c.ent_coef,
        vfCoef: c.vf_coef,
        targetKl: c.target_kl ?? -1,
        normAdv: c.norm_adv,
        clipVloss: c.clip_vloss,
        iteration,
        seed: c.seed,
        klTarget: c.kl_target,
      },
      lrnow,
    );
  }

  /** Records the fused rollout of `iteration` (GPU environments), with the first reset before the first one. */
  encodeRollout(recorder: Recorder, iteration: number): void {
    if (!(this.rollout instanceof Rollout)) throw new Error('Ppo.encodeRollout: the environments are JavaScript ones; their rollout is collected step by step');
    const before = recorder.dispatches;
    if (!this.started) {
      // The first observations: every environment starts an episode (on the GPU, no readback).
      (this.env as GpuVecEnv).recordReset(recorder);
      this.started = true;
    }
    this.plan = this.selfPlay?.encodeBeforeRollout(recorder, iteration * this.batchSize);
    this.rollout.encode(recorder, this.config.seed, (iteration - 1) * this.config.num_steps, this.plan?.filled ?? 0);
    this.lastDispatches += recorder.dispatches - before;
  }

  /** Records everything after the rollout: normalisation, GAE, the update, the batch KL and the statistics block. */
  encodeLearning(recorder: Recorder): void {
    const c = this.config;
    const before = recorder.dispatches;
    if (c.norm_obs || c.norm_reward) this.normalize.encode(recorder);
    this.gae.encode(recorder);
    this.trpo?.encodeActorStep(recorder);
    this.update.encode(recorder);
    this.batchKl.encode(recorder);
    this.stats.encode(recorder);
    if (this.selfPlay && this.plan) this.selfPlay.encodeAfterUpdate(recorder, this.plan);
    this.lastDispatches += recorder.dispatches - before;
  }

  /** What one iteration reads back, in one map: the statistics block, then self-play's game results. */
  readbackRegions(): { source: GPUBuffer; size: number }[] {
    const regions = [{ source: this.stats.block, size: STATS_WORDS * 4 }];
    if (this.selfPlay) regions.push({ source: this.selfPlay.results, size: this.selfPlay.buckets * 4 });
    return regions;
  }

  /** The statistics block the last encodeLearning fills (STATS_WORDS floats). */
  get statsBlock(): GPUBuffer {
    return this.stats.block;
  }

  /**
   * Counts an iteration whose statistics block was read (in submission order): iteration += 1,
   * global_step += batch_size; returns the decoded statistics, or throws TrainingDivergedError.
   */
  completeIteration(words: Float32Array): IterationGpuStats & { selfPlay: SelfPlayReport | null } {
    this.completed = { iteration: this.completed.iteration + 1, globalStep: this.completed.globalStep + this.batchSize };
    const selfPlay = this.selfPlay ? this.selfPlay.complete(words.subarray(STATS_WORDS, STATS_WORDS + this.selfPlay.buckets)) : null;
    const stats = { ...IterationStats.decode(words.subarray(0, STATS_WORDS)), selfPlay };
    if (stats.emptyMaskEnv > 0) {
      throw emptyMaskError(this.env.definition.id, `environment ${stats.emptyMaskEnv - 1} in iteration ${this.completed.iteration}`, stats.emptyMaskStep);
    }
    Ppo.checkHealth(stats, this.completed.iteration);
    return stats;
  }

  /** Checks the health flags of an iteration's statistics; throws TrainingDivergedError. */
  static checkHealth(stats: IterationGpuStats, iteration: number): void {
    if (stats.nonfiniteLoss) {
      const which = ['policyLoss', 'valueLoss', 'entropy'].find((k) => !Number.isFinite(stats[k as keyof IterationGpuStats]));
      throw new TrainingDivergedError(which === 'policyLoss' ? 'the policy loss' : which === 'valueLoss' ? 'the value loss' : which === 'entropy' ? 'the entropy' : 'a loss', iteration);
    }
    if (stats.nonfiniteGradient) throw new TrainingDivergedError('the gradient norm', iteration);
    if (stats.nonfiniteParameters) throw new TrainingDivergedError('a parameter', iteration);
  }

  /**
   * Every GPU buffer whose contents a resumed run needs, by checkpoint name: the run's record (Adam's moments and
   * control block, PPO's state, the recent episodes, the normaliser) and, on GPU environments, the environments'
   * state and counters and the episode tracker.
   */
  persistentBuffers(): (PersistentEntry & { buffer: GPUBuffer })[] {
    const buffers: Record<string, GPUBuffer> = this.state.persistent();
    if (this.env instanceof GpuVecEnv) {
      Object.assign(buffers, {
        'env.state': this.env.buffers.state,
        'env.episode_steps': this.env.buffers.episodeSteps,
        'env.episode_index': this.env.buffers.episodeIndex,
        'stats.episode_tracker': this.state.tracker,
      });
    }
    return Ppo.persistentLayout(this.config, this.env.definition).map((entry) => ({ ...entry, buffer: buffers[entry.name]! }));
  }

  /**
   * The names, types and sizes of persistentBuffers() for a configuration, without building anything (a
   * checkpoint is checked against them before its trainer is built). A JavaScript environment's state lives in
   * the game's own objects: see hostState().
   */
  static persistentLayout(config: TrainerConfig, definition: EnvSpec & { stateSize?: number; wgsl?: string }): PersistentEntry[] {
    const n = config.num_envs;
    const common = RunnerState.persistentLayout(Ppo.agentFor(config, definition), n);
    if (typeof definition.wgsl !== 'string') return common;
    return [
      ...common,
      { name: 'env.state', dtype: 'F32', count: definition.stateSize! * n },
      { name: 'env.episode_steps', dtype: 'U32', count: n },
      { name: 'env.episode_index', dtype: 'U32', count: n },
      { name: 'stats.episode_tracker', dtype: 'F32', count: Ppo.trackerRows(config, definition) * n },
    ];
  }

  /** The actor-critic of a run: both networks as the config says, on the environment's spaces. */
  static agentFor(config: TrainerConfig, definition: EnvSpec): AgentLayout {
    return new AgentLayout(architectureFor(config, definition));
  }

  /** CPU-side state a checkpoint needs (JavaScript environments only). */
  hostState(): Promise<{ name: string; data: Float32Array | Uint32Array }[]> {
    return this.rollout instanceof JsRollout ? this.rollout.snapshot() : Promise.resolve([]);
  }

  /** Restores hostState's tensors; false when the environments could not be restored (they start afresh). */
  restoreHostState(tensors: Map<string, Float32Array | Uint32Array>): boolean {
    return this.rollout instanceof JsRollout ? this.rollout.restore(tensors) : true;
  }

  /** Marks the environments as already started (their state comes from a checkpoint). */
  markStarted(): void {
    this.started = true;
  }

  /** A copy of the flat parameters (a readback: checkpoints, tests, export). */
  readParameters(): Promise<Float32Array> {
    return readFloat32(this.gpu, this.state.params, this.agent.table.size);
  }

  writeParameters(flat: Float32Array): void {
    this.gpu.write(this.state.params, 0, flat);
  }

  /** Frees the passes, then the record (a pass that failed to build is simply absent). */
  destroy(): void {
    for (const pass of [this.rollout, this.normalize, this.update, this.trpo, this.batchKl, this.stats, this.ring, this.gae, this.selfPlay]) pass?.destroy();
    this.state.destroy();
  }
}
