/**
 * How far the update moved the policy (kernels: batchKl.wgsl.ts), a pass of its own encoded after every
 * algorithm's update: d, the mean over the whole batch of KL[π_old(·|s) ‖ π_θ(·|s)] with the parameters the update
 * left, and the new policy's mean entropy H. For PPO-Penalty (adaptBeta) it also applies the paper's rule to the
 * record's `ppoState[0]` (β): ×2 when d > 1.5 kl_target, ÷2 when d < kl_target / 1.5. Two dispatches, no readback;
 * the record's `ppoState` holds d and H (PpoState.kl, PpoState.entropy) for the statistics.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { KL_MAX_PARTIALS, klFinishBindings, klFinishWgsl, klPartialBindings, klPartialCount, klPartialWgsl } from './batchKl.wgsl.js';
import type { AgentLayout } from '../agent/agent.js';
import type { RolloutLayout } from './storage.js';
import type { RunnerState } from './runnerState.js';

/**
 * The part of the run's record the pass reads and writes: θ after the update (params), the rollout with the old
 * policy's distribution (RolloutLayout keepOldDist), kl_target (hyper), β (ppoState[0], updated in place), d.
 */
export type BatchKlBuffers = Pick<RunnerState, 'params' | 'storage' | 'store' | 'hyper' | 'ppoState'>;

export interface BatchKlOptions {
  /** PPO-Penalty's β rule on ppoState[0]; default false (β is left alone). */
  adaptBeta?: boolean;
  /** Bound on the workgroups of the KL kernel (each adds one partial sum); default KL_MAX_PARTIALS. */
  maxPartials?: number;
}

export class BatchKl {
  /** Workgroups of the KL kernel, one partial sum each. */
  readonly partialCount: number;
  private readonly partials: GPUBuffer;
  private readonly partialGroup: GPUBindGroup;
  private readonly finishGroup: GPUBindGroup;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipelines: { partial: GPUComputePipeline; finish: GPUComputePipeline },
    layout: RolloutLayout,
    maxPartials: number,
    buffers: BatchKlBuffers,
  ) {
    this.partialCount = klPartialCount(layout.samples, maxPartials);
    this.partials = gpu.buffer({ label: 'BatchKl.partials', size: 2 * this.partialCount * 4 });
    this.partialGroup = klPartialBindings.bindGroup(gpu.device, 'BatchKl.partialGroup', pipelines.partial.getBindGroupLayout(0), {
      params: buffers.params,
      rollout: buffers.storage,
      partials: this.partials,
      store: buffers.store,
    });
    this.finishGroup = klFinishBindings.bindGroup(gpu.device, 'BatchKl.finishGroup', pipelines.finish.getBindGroupLayout(0), {
      hyper: buffers.hyper,
      partials: this.partials,
      ppo_state: buffers.ppoState,
      store: buffers.store,
    });
  }

  static async create(gpu: Gpu, agent: AgentLayout, layout: RolloutLayout, buffers: BatchKlBuffers, options: BatchKlOptions = {}): Promise<BatchKl> {
    if (!layout.shape.keepOldDist) {
      throw new RangeError('BatchKl needs the old policy\'s distribution in the rollout: the RolloutLayout was made with keepOldDist false; expected true');
    }
    const maxPartials = options.maxPartials ?? KL_MAX_PARTIALS;
    const dimensionLimit = gpu.limits.maxComputeWorkgroupsPerDimension;
    if (!Number.isInteger(maxPartials) || maxPartials < 1 || maxPartials > dimensionLimit) {
      throw new RangeError(`BatchKl option 'maxPartials' is ${maxPartials}; expected an integer in [1, ${dimensionLimit}] (the device's maxComputeWorkgroupsPerDimension)`);
    }
    const arch = agent.architecture;
    const partialCode = klPartialWgsl({
      action: arch.action,
      obsSize: arch.observationSize,
      actor: agent.inline('actor'),
      actorConv: agent.inlineConv('actor'),
      logstdOffset: agent.logstd?.offset ?? 0,
      maxPartials,
      masked: layout.shape.masked ?? false,
    });
    const finishCode = klFinishWgsl(maxPartials, options.adaptBeta ?? false);
    const [partial, finish] = await Promise.all([
      gpu.pipelines.pipeline({
        label: 'BatchKl.partial',
        key: `BatchKlPartial\n${partialCode}`,
        entryPoint: 'kl_partial',
        bindings: klPartialBindings,
        build: () => partialCode,
      }),
      gpu.pipelines.pipeline({
        label: 'BatchKl.finish',
        key: `BatchKlFinish\n${finishCode}`,
        entryPoint: 'kl_finish',
        bindings: klFinishBindings,
        build: () => finishCode,
      }),
    ]);
    return new BatchKl(gpu, { partial, finish }, layout, maxPartials, buffers);
  }

  /** Records the batch KL and entropy, and the β rule when adaptBeta (2 dispatches). */
  encode(recorder: Recorder): void {
    recorder.dispatch(this.pipelines.partial, this.partialGroup, [this.partialCount]);
    recorder.dispatch(this.pipelines.finish, this.finishGroup, [1]);
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.partials);
  }
}
