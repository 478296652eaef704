/**
 * The fused rollout of a GPU environment (kernel: rollout.wgsl.ts), one dispatch per iteration. It writes the
 * run's record: the rollout storage, the running episode return / length per environment (tracker) and the
 * normaliser's lane sums.
 */
import type { Gpu } from '../gpu/device.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import { composeEnv, envLineLocator } from '../envs/compose.js';
import type { GpuVecEnv } from '../envs/gpuEnv.js';
import { ROLLOUT_WORKGROUP, rolloutBindings, RolloutRun, rolloutWgsl, selfPlayRolloutBindings } from './rollout.wgsl.js';
import { SelfPlayRun } from '../selfplay/selfplay.wgsl.js';
import type { SelfPlay } from '../selfplay/selfPlay.js';
import { envStorageResources } from '../envs/gpuEnv.wgsl.js';
import type { CollectorSpec } from '../agent/agent.wgsl.js';
import type { AgentLayout } from '../agent/agent.js';
import type { RolloutLayout } from './storage.js';
import type { TrainerConfig } from '../config.js';
import type { RunnerState } from './runnerState.js';

/** The part of the run's record a collecting kernel reads and writes. */
export type CollectorBuffers = Pick<RunnerState, 'params' | 'storage' | 'store' | 'normStats' | 'normLanes'>;

/** The configuration keys that shape a collecting kernel (normalisation and the discount its return uses). */
export type CollectorConfig = Pick<TrainerConfig, 'norm_obs' | 'norm_reward' | 'clip_obs' | 'clip_reward' | 'gamma'>;

/** The agent, storage and normalisation part of a collecting kernel's spec, shared by Rollout and JsRollout. */
export function collectorSpec(agent: AgentLayout, layout: RolloutLayout, config: CollectorConfig): CollectorSpec {
  return {
    ...agent.actorSpec(config.norm_obs ? { clipObs: config.clip_obs } : undefined),
    critic: agent.inline('critic'),
    criticConv: agent.inlineConv('critic'),
    keepOldDist: layout.shape.keepOldDist,
    masked: layout.shape.masked ?? false,
    normReward: config.norm_reward,
    clipReward: config.clip_reward,
    gamma: config.gamma,
  };
}

export class Rollout {
  private readonly uniform: GPUBuffer;
  private readonly group: GPUBindGroup;
  private readonly grid: [number, number];
  /** Two-player games: the pool's state in this iteration (filled slots, side period, latest ratio). */
  private readonly selfPlayUniform: GPUBuffer | undefined;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    readonly env: GpuVecEnv,
    buffers: CollectorBuffers & Pick<RunnerState, 'tracker'>,
    readonly workgroup: number,
    private readonly selfPlay: SelfPlay | undefined,
  ) {
    this.uniform = RolloutRun.createBuffer(gpu, 'Rollout.params', { seed: 0, step_base: 0 });
    const resources = {
      run: this.uniform,
      params: buffers.params,
      ...envStorageResources(env.buffers),
      rollout: buffers.storage,
      tracker: buffers.tracker,
      store: buffers.store,
      norm: buffers.normStats,
      lanes: buffers.normLanes,
    };
    const layout = pipeline.getBindGroupLayout(0);
    if (selfPlay) {
      // The learner's networks read the league's first P floats, its copy of the parameters for this iteration.
      this.selfPlayUniform = SelfPlayRun.createBuffer(gpu, 'Rollout.selfPlay', { filled: 0, swap_period: 1, latest_ratio: 1 });
      this.group = selfPlayRolloutBindings.bindGroup(gpu.device, 'Rollout.group', layout, { ...resources, params: selfPlay.league, selfplay: this.selfPlayUniform });
    } else {
      this.group = rolloutBindings.bindGroup(gpu.device, 'Rollout.group', layout, resources);
    }
    this.grid = gridFor(env.numEnvs, workgroup, gpu.limits.maxComputeWorkgroupsPerDimension);
  }

  /**
   * The record's `storage` is laid out as `layout`; `store` holds that layout; `tracker` is [2][numEnvs].
   * `workgroup`: invocations per workgroup (default ROLLOUT_WORKGROUP; the tuner's choice, src/tune/).
   */
  static async create(
    gpu: Gpu,
    env: GpuVecEnv,
    agent: AgentLayout,
    layout: RolloutLayout,
    config: CollectorConfig,
    buffers: CollectorBuffers & Pick<RunnerState, 'tracker'>,
    workgroup: number = ROLLOUT_WORKGROUP,
    selfPlay?: SelfPlay,
  ): Promise<Rollout> {
    if (!Number.isInteger(workgroup) || workgroup < 1 || workgroup > gpu.limits.maxComputeInvocationsPerWorkgroup) {
      throw new RangeError(`Rollout: workgroup ${workgroup} is not an integer in 1..${gpu.limits.maxComputeInvocationsPerWorkgroup} (the adapter's maxComputeInvocationsPerWorkgroup)`);
    }
    const def = env.definition;
    const composed = composeEnv(def);
    const spec = {
      ...collectorSpec(agent, layout, config),
      envCode: composed.code,
      stateSize: def.stateSize,
      maxEpisodeSteps: def.maxEpisodeSteps,
      workgroup,
      ...(selfPlay ? { selfPlay: selfPlay.kernel } : {}),
    };
    const code = rolloutWgsl(spec);
    const pipeline = await gpu.pipelines.pipeline({
      label: 'Rollout.collect',
      key: `Rollout\n${code}`,
      entryPoint: 'rollout_main',
      bindings: selfPlay ? selfPlayRolloutBindings : rolloutBindings,
      build: () => code,
      locate: (line) => envLineLocator(def, composed)(line),
    });
    return new Rollout(gpu, pipeline, env, buffers, workgroup, selfPlay);
  }

  /**
   * Records the collection of one rollout; `stepBase` is the global step of its first step (action noise);
   * `filled` the snapshots in the pool (two-player games).
   */
  encode(recorder: Recorder, seed: number, stepBase: number, filled = 0): void {
    RolloutRun.writeTo(this.gpu, this.uniform, { seed: seed >>> 0, step_base: stepBase >>> 0 });
    if (this.selfPlay && this.selfPlayUniform) {
      const c = this.selfPlay.config;
      SelfPlayRun.writeTo(this.gpu, this.selfPlayUniform, { filled, swap_period: this.selfPlay.swapPeriod, latest_ratio: c.play_against_latest_model_ratio });
    }
    recorder.dispatch(this.pipeline, this.group, this.grid);
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.uniform);
    if (this.selfPlayUniform) this.gpu.destroyBuffer(this.selfPlayUniform);
  }
}
