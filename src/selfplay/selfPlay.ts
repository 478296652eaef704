/**
 * Self-play's GPU side for the loop (src/ppo/ppo.ts): the league buffer the fused rollout reads the learner and
 * the opponents from, the snapshots (buffer copies, no readback), and the reduction of the iteration's games
 * (kernel: selfplay.wgsl.ts) that is read back with the statistics. The host's book (schedule, Elo) is league.ts.
 *
 *   league   f32 [(1 + window) x P]: the learner's parameters (copied in before each rollout), then the slots
 *   results  f32 [3 (window + 1)]: the iteration's games per opponent and result (selfplay.wgsl.ts)
 *
 * Per iteration, in its one command buffer: params -> league[0, P) (and, the first time, -> slot 0: the initial
 * snapshot) before the rollout; after the update, params -> slot s when the plan takes a snapshot, then the
 * reduction.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import type { AgentLayout } from '../agent/agent.js';
import type { TrainerConfig } from '../config.js';
import { ELO_K } from './elo.js';
import { League, type IterationPlan, type LeagueState, type SelfPlayReport } from './league.js';
import { selfPlayResultsBindings, SelfPlayResultsParams, selfPlayResultsWgsl, type SelfPlayKernelSpec } from './selfplay.wgsl.js';

export type SelfPlayConfig = Pick<TrainerConfig, 'save_steps' | 'window' | 'play_against_latest_model_ratio' | 'swap_steps' | 'initial_elo' | 'num_envs'>;

export class SelfPlay {
  readonly league: GPUBuffer;
  readonly results: GPUBuffer;
  readonly book: League;
  readonly kernel: SelfPlayKernelSpec;
  private readonly params: GPUBuffer;
  private readonly group: GPUBindGroup;
  private started = false;
  private readonly parameterBytes: number;

  private constructor(
    private readonly gpu: Gpu,
    agent: AgentLayout,
    readonly config: SelfPlayConfig,
    private readonly learnerParams: GPUBuffer,
    tracker: GPUBuffer,
    private readonly pipeline: GPUComputePipeline,
  ) {
    const W = config.window;
    // Slots of exactly P floats (the table's byteSize may be padded), as the kernel indexes them.
    this.parameterBytes = agent.table.size * 4;
    this.league = gpu.buffer({ label: 'SelfPlay.league', size: (1 + W) * this.parameterBytes });
    this.results = gpu.buffer({ label: 'SelfPlay.results', size: this.buckets * 4 });
    this.params = SelfPlayResultsParams.createBuffer(gpu, 'SelfPlay.resultsParams', { num_envs: config.num_envs, buckets: this.buckets });
    this.group = selfPlayResultsBindings.bindGroup(gpu.device, 'SelfPlay.resultsGroup', pipeline.getBindGroupLayout(0), {
      params: this.params,
      tracker,
      results: this.results,
    });
    this.book = new League({ window: W, saveSteps: config.save_steps, initialElo: config.initial_elo, k: ELO_K });
    this.kernel = { window: W, paramCount: agent.table.size, actor: agent.inline('actor'), actionOutputs: agent.policyOutputs };
  }

  static async create(gpu: Gpu, agent: AgentLayout, config: SelfPlayConfig, buffers: { params: GPUBuffer; tracker: GPUBuffer }): Promise<SelfPlay> {
    const pipeline = await gpu.pipelines.pipeline({
      label: 'SelfPlay.results',
      key: 'SelfPlayResults',
      entryPoint: 'selfplay_results',
      bindings: selfPlayResultsBindings,
      build: () => selfPlayResultsWgsl,
    });
    return new SelfPlay(gpu, agent, config, buffers.params, buffers.tracker, pipeline);
  }

  /** Floats of the results: [slot 0..window-1, latest][loss, draw, win]. */
  get buckets(): number {
    return 3 * (this.config.window + 1);
  }

  /** Per-environment steps between side switches (swap_steps is in global steps). */
  get swapPeriod(): number {
    return Math.max(1, Math.round(this.config.swap_steps / this.config.num_envs));
  }

  /** Plans the iteration ending at `globalStepAfter` and records the copies before its rollout. */
  encodeBeforeRollout(recorder: Recorder, globalStepAfter: number): IterationPlan {
    const plan = this.book.planIteration(globalStepAfter);
    if (!this.started) {
      recorder.copy(this.learnerParams, 0, this.league, this.parameterBytes, this.parameterBytes);
      this.started = true;
    }
    recorder.copy(this.learnerParams, 0, this.league, 0, this.parameterBytes);
    return plan;
  }

  /** Records the snapshot the plan takes (after the update) and the reduction of the games. */
  encodeAfterUpdate(recorder: Recorder, plan: IterationPlan): void {
    if (plan.snapshotSlot !== null) recorder.copy(this.learnerParams, 0, this.league, (1 + plan.snapshotSlot) * this.parameterBytes, this.parameterBytes);
    recorder.dispatch(this.pipeline, this.group, [Math.ceil(this.buckets / 64)]);
  }

  /** The iteration's Elo report from the results read back (in submission order). */
  complete(results: Float32Array): SelfPlayReport {
    return this.book.completeIteration(results);
  }

  /** Every slot's parameters, f32 [window x P] (a readback: checkpoints). */
  readPool(read: (buffer: GPUBuffer, count: number, offset: number) => Promise<Float32Array>): Promise<Float32Array> {
    const P = this.kernel.paramCount;
    return read(this.league, this.config.window * P, P);
  }

  /**
   * Continues a saved run: the slots' parameters (f32 [window x P]) and the book. `started`: the run has taken an
   * iteration, so slot 0 already holds the initial policy (else the first iteration copies it, as in a new run).
   */
  restore(pool: Float32Array, book: LeagueState, started: boolean): void {
    const P = this.kernel.paramCount;
    if (pool.length !== this.config.window * P) throw new Error(`SelfPlay.restore: ${pool.length} pool values; expected window x P = ${this.config.window * P}`);
    this.gpu.write(this.league, this.parameterBytes, pool);
    this.book.restore(book);
    this.started = started;
  }

  /** A snapshot slot's parameters, f32 [P] (a readback: tests, the bench, games). */
  async readSnapshot(read: (buffer: GPUBuffer, count: number, offset: number) => Promise<Float32Array>, slot: number): Promise<Float32Array> {
    const P = this.kernel.paramCount;
    return read(this.league, P, (1 + slot) * P);
  }

  destroy(): void {
    for (const buffer of [this.league, this.results, this.params]) this.gpu.destroyBuffer(buffer);
  }
}
