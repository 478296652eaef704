/**
 * PPO (Clip and Penalty) entirely on the GPU, laid out like CleanRL's ppo.py: the same names, the same loop.
 * Each iteration is ONE command buffer — rollout, GAE, update, statistics — submitted without waiting; its only
 * readback is the statistics block, read while the GPU runs the next iteration.
 *
 *   for iteration in 1..num_iterations:
 *       lrnow = (1 - (iteration - 1) / num_iterations) * learning_rate      (anneal_lr)
 *       rollout:  num_steps x num_envs transitions, fused policy + environment    (src/ppo/rollout.wgsl.ts)
 *       GAE:      advantages, returns = advantages + values                       (src/ppo/gae.wgsl.ts)
 *       update:   update_epochs x num_minibatches PPO steps with Adam             (src/ppo/update.ts)
 *       β:        PPO-Penalty only: d = batch KL[π_old ‖ π_θ] after the update; β ×2 if d > 1.5 kl_target,
 *                 ÷2 if d < kl_target / 1.5                                        (src/ppo/klPenalty.ts)
 *       stats:    episode returns, losses, KL, clip fraction, explained variance  (src/ppo/iterationStats.wgsl.ts)
 */
import type { Gpu } from '../gpu/device.js';
import { readFloat32, ReadbackRing } from '../gpu/readback.js';
import { Recorder } from '../gpu/recorder.js';
import { GpuVecEnv } from '../envs/gpuEnv.js';
import type { JsVecEnv } from '../envs/jsEnv.js';
import { RING_WORDS, STATS_WORDS } from './iterationStats.wgsl.js';
import { laneRows, normWords } from '../agent/normalizer.wgsl.js';
import { Control } from '../nn/adam.wgsl.js';
import type { EnvSpec } from '../envs/spec.js';
import { actionWidth, AgentLayout } from '../agent/agent.js';
import type { TrainerConfig } from '../config.js';
import { Gae } from './gae.js';
import { IterationStats, type IterationGpuStats } from './iterationStats.js';
import { KlPenalty } from './klPenalty.js';
import { PpoUpdate } from './update.js';
import { JsRollout } from './jsRollout.js';
import { Rollout } from './rollout.js';
import { Normalizer } from '../agent/normalizer.js';
import { RolloutLayout } from './storage.js';

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

/** One GPU buffer a checkpoint holds: its tensor name, type and length. */
export interface PersistentEntry {
  name: string;
  dtype: 'F32' | 'U32';
  count: number;
}

export class Ppo {
  readonly agent: AgentLayout;
  readonly layout: RolloutLayout;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly storage: GPUBuffer;
  /** The storage's layout as a uniform (sizes and offsets read at run time). */
  readonly store: GPUBuffer;
  readonly batchSize: number;
  /** Completed iterations. */
  iteration = 0;
  globalStep = 0;
  /** The fused GPU rollout (GPU environments) or the step-by-step one (JavaScript environments). */
  private rollout!: Rollout | JsRollout;
  private gae!: ReturnType<Gae['bind']>;
  update!: PpoUpdate;
  /** PPO-Penalty's β adaptation after the update (undefined for PPO-Clip). */
  private klPenalty: KlPenalty | undefined;
  /** Running observation / return statistics (used when norm_obs or norm_reward). */
  normalizer!: Normalizer;
  private stats!: IterationStats;
  private ring!: ReadbackRing;
  private started = false;
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
    this.agent = new AgentLayout({
      observationSize: def.observationSize,
      action: def.action,
      hidden: config.hidden_sizes,
      activation: config.activation,
    });
    this.layout = new RolloutLayout({
      numEnvs: config.num_envs,
      numSteps: config.num_steps,
      obsSize: def.observationSize,
      actionWidth: actionWidth(def.action),
      policyOutputs: this.agent.policyOutputs,
      keepOldDist: config.algo === 'ppo-penalty',
    });
    this.batchSize = config.num_envs * config.num_steps;
    this.storage = this.layout.allocate(gpu, 'Ppo.rolloutStorage');
    this.store = this.layout.allocateUniform(gpu, 'Ppo.rolloutLayout');
    this.params = gpu.buffer({ label: 'Ppo.params', size: this.agent.table.byteSize, data: this.agent.initialParameters(config.seed) });
    this.grads = gpu.buffer({ label: 'Ppo.grads', size: this.agent.table.byteSize });
  }

  static async create(gpu: Gpu, env: GpuVecEnv | JsVecEnv, config: TrainerConfig): Promise<Ppo> {
    const self = new Ppo(gpu, env, config);
    const { layout, agent } = self;
    self.normalizer = await Normalizer.create(gpu, agent.architecture.observationSize, config.num_envs);
    const buffers = { params: self.params, storage: self.storage, store: self.store, normalizer: self.normalizer };
    const [rollout, gae, update] = await Promise.all([
      env instanceof GpuVecEnv
        ? Rollout.create(gpu, env, agent, layout, config, buffers)
        : JsRollout.create(gpu, env, agent, layout, config, buffers),
      Gae.create(gpu),
      PpoUpdate.create(
        gpu,
        agent,
        layout,
        {
          algo: config.algo === 'ppo-penalty' ? 'penalty' : 'clip',
          numMinibatches: config.num_minibatches,
          updateEpochs: config.update_epochs,
          learningRate: config.learning_rate,
          adamEps: config.adam_eps,
          maxGradNorm: config.max_grad_norm,
          initBeta: config.init_beta,
        },
        self.params,
        self.grads,
        self.storage,
        self.store,
      ),
    ]);
    self.rollout = rollout;
    self.update = update;
    const o = layout.offsets;
    self.gae = gae.bind('Ppo.gae', self.storage, config.num_envs, config.num_steps, {
      rewards: o.rewards,
      values: o.values,
      dones: o.dones,
      finalValues: o.finalValues,
      advantages: o.advantages,
      returns: o.returns,
    }, config.gamma, config.gae_lambda);
    const penalty = config.algo === 'ppo-penalty';
    if (penalty) {
      self.klPenalty = await KlPenalty.create(gpu, agent, layout, {
        params: self.params,
        storage: self.storage,
        store: self.store,
        hyper: update.hyper,
        state: update.state,
      });
    }
    self.stats = await IterationStats.create(
      gpu,
      { paramCount: agent.table.size, penalty },
      {
        hyper: update.hyper,
        storage: self.storage,
        records: update.records,
        control: update.adam.control,
        params: self.params,
        state: update.state,
        store: self.store,
        ...(self.klPenalty ? { klResult: self.klPenalty.result } : {}),
      },
    );
    self.ring = new ReadbackRing(gpu, 'Ppo.statsReadback', STATS_WORDS * 4);
    return self;
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
    // CleanRL's linear schedule over the planned iterations; past the plan it stays at its last value.
    const frac = c.anneal_lr ? Math.max(1 - (iteration - 1) / numIterations, 1 / numIterations) : 1;
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
      frac * c.learning_rate,
    );
    const stepBase = (iteration - 1) * c.num_steps;
    const before = { ...this.gpu.calls };
    let read!: () => Promise<ArrayBuffer>;
    // GAE, the update and the statistics, after the rollout in the same command buffer.
    const learn = async (recorder: Recorder) => {
      if (c.norm_obs || c.norm_reward) this.normalizer.encodeMerge(recorder);
      this.gae.encode(recorder);
      this.update.encode(recorder);
      this.klPenalty?.encode(recorder);
      this.stats.encode(recorder);
      read = await this.ring.enqueue(recorder, this.stats.block);
      this.lastDispatches += recorder.dispatches;
    };
    this.lastDispatches = 0;
    if (this.rollout instanceof Rollout) {
      const recorder = new Recorder(this.gpu, `Ppo.iteration${iteration}`);
      if (!this.started) {
        // The first observations: every environment starts an episode (on the GPU, no readback).
        (this.env as GpuVecEnv).recordReset(recorder);
        this.started = true;
      }
      this.rollout.encode(recorder, c.seed, stepBase);
      await learn(recorder);
      recorder.submit();
    } else {
      // JavaScript environments: num_steps submits with one readback each, then the learning submit.
      await this.rollout.collect(c.seed, stepBase, async (recorder) => {
        this.lastDispatches += c.num_steps;
        await learn(recorder);
      });
    }
    const submits = this.gpu.calls.submits - before.submits;
    const maps = this.gpu.calls.mapAsyncs - before.mapAsyncs;
    return async () => {
      // read() calls mapAsync before its first await: the difference counts exactly the statistics' own maps.
      const mapsBefore = this.gpu.calls.mapAsyncs;
      const bytes = read();
      const statsMaps = this.gpu.calls.mapAsyncs - mapsBefore;
      const words = new Float32Array(await bytes);
      this.submitsPerIteration = submits;
      this.readbacksPerIteration = maps + statsMaps;
      return words;
    };
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
   * Every GPU buffer whose contents a resumed run needs, by checkpoint name: parameters, Adam's moments and
   * control block, PPO's state (beta), the environments' state and counters, the running episode statistics.
   */
  persistentBuffers(): (PersistentEntry & { buffer: GPUBuffer })[] {
    const buffers: Record<string, GPUBuffer> = {
      'optimizer.moments': this.update.adam.moments,
      'optimizer.control': this.update.adam.control,
      'ppo.state': this.update.state,
      'stats.recent_episodes': this.stats.ring,
      'normalizer.stats': this.normalizer.stats,
      'normalizer.lanes': this.normalizer.lanes,
    };
    if (this.env instanceof GpuVecEnv && this.rollout instanceof Rollout) {
      Object.assign(buffers, {
        'env.state': this.env.buffers.state,
        'env.episode_steps': this.env.buffers.episodeSteps,
        'env.episode_index': this.env.buffers.episodeIndex,
        'stats.episode_tracker': this.rollout.tracker,
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
    const obs = definition.observationSize;
    const agent = new AgentLayout({ observationSize: obs, action: definition.action, hidden: config.hidden_sizes, activation: config.activation });
    const common: PersistentEntry[] = [
      { name: 'optimizer.moments', dtype: 'F32', count: 2 * agent.table.size },
      { name: 'optimizer.control', dtype: 'F32', count: Control.words },
      { name: 'ppo.state', dtype: 'F32', count: 4 },
      { name: 'stats.recent_episodes', dtype: 'F32', count: RING_WORDS },
      { name: 'normalizer.stats', dtype: 'F32', count: normWords(obs) },
      { name: 'normalizer.lanes', dtype: 'F32', count: laneRows(obs) * n },
    ];
    if (typeof definition.wgsl !== 'string') return common;
    return [
      ...common,
      { name: 'env.state', dtype: 'F32', count: definition.stateSize! * n },
      { name: 'env.episode_steps', dtype: 'U32', count: n },
      { name: 'env.episode_index', dtype: 'U32', count: n },
      { name: 'stats.episode_tracker', dtype: 'F32', count: 2 * n },
    ];
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
    return readFloat32(this.gpu, this.params, this.agent.table.size);
  }

  writeParameters(flat: Float32Array): void {
    this.gpu.write(this.params, 0, flat);
  }

  destroy(): void {
    this.rollout.destroy();
    this.update.destroy();
    this.klPenalty?.destroy();
    this.stats.destroy();
    this.ring.destroy();
    this.normalizer.destroy();
    this.gae.destroy();
    for (const b of [this.storage, this.store, this.params, this.grads]) this.gpu.destroyBuffer(b);
  }
}
