/**
 * PPO-Penalty's β adaptation (kernels: klPenalty.wgsl.ts), a pass of its own encoded after the update's epochs.
 * It measures d, the mean over the whole batch of KL[π_old(·|s) ‖ π_θ(·|s)] with the parameters the update left,
 * and applies the paper's rule to the record's `ppoState[0]` (β): ×2 when d > 1.5 kl_target, ÷2 when
 * d < kl_target / 1.5. Two dispatches, no readback; the record's `klResult[0]` holds d for the statistics.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { KL_MAX_PARTIALS, klFinishBindings, klFinishWgsl, klPartialBindings, klPartialCount, klPartialWgsl } from './klPenalty.wgsl.js';
import type { AgentLayout } from '../agent/agent.js';
import type { RolloutLayout } from './storage.js';
import type { RunnerState } from './runnerState.js';

/**
 * The part of the run's record the pass reads and writes: θ after the update (params), the rollout with the old
 * policy's distribution (RolloutLayout keepOldDist), kl_target (hyper), β (ppoState[0], updated in place), d.
 */
export type KlPenaltyBuffers = Pick<RunnerState, 'params' | 'storage' | 'store' | 'hyper' | 'ppoState'> & { klResult: GPUBuffer };

export interface KlPenaltyOptions {
  /** Bound on the workgroups of the KL kernel (each adds one partial sum); default KL_MAX_PARTIALS. */
  maxPartials?: number;
}

export class KlPenalty {
  /** [0] = d, the batch's mean KL after the update (written each iteration; the record's klResult). */
  readonly result: GPUBuffer;
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
    buffers: KlPenaltyBuffers,
  ) {
    this.partialCount = klPartialCount(layout.samples, maxPartials);
    this.partials = gpu.buffer({ label: 'KlPenalty.partials', size: this.partialCount * 4 });
    this.result = buffers.klResult;
    this.partialGroup = klPartialBindings.bindGroup(gpu.device, 'KlPenalty.partialGroup', pipelines.partial.getBindGroupLayout(0), {
      params: buffers.params,
      rollout: buffers.storage,
      partials: this.partials,
      store: buffers.store,
    });
    this.finishGroup = klFinishBindings.bindGroup(gpu.device, 'KlPenalty.finishGroup', pipelines.finish.getBindGroupLayout(0), {
      hyper: buffers.hyper,
      partials: this.partials,
      ppo_state: buffers.ppoState,
      result: this.result,
      store: buffers.store,
    });
  }

  static async create(gpu: Gpu, agent: AgentLayout, layout: RolloutLayout, buffers: KlPenaltyBuffers, options: KlPenaltyOptions = {}): Promise<KlPenalty> {
    if (!layout.shape.keepOldDist) {
      throw new RangeError('KlPenalty needs the old policy\'s distribution in the rollout: the RolloutLayout was made with keepOldDist false; expected true (PPO-Penalty)');
    }
    const maxPartials = options.maxPartials ?? KL_MAX_PARTIALS;
    const dimensionLimit = gpu.limits.maxComputeWorkgroupsPerDimension;
    if (!Number.isInteger(maxPartials) || maxPartials < 1 || maxPartials > dimensionLimit) {
      throw new RangeError(`KlPenalty option 'maxPartials' is ${maxPartials}; expected an integer in [1, ${dimensionLimit}] (the device's maxComputeWorkgroupsPerDimension)`);
    }
    const arch = agent.architecture;
    const partialCode = klPartialWgsl({
      action: arch.action,
      obsSize: arch.observationSize,
      actor: agent.inline('actor'),
      logstdOffset: agent.logstd?.offset ?? 0,
      maxPartials,
    });
    const finishCode = klFinishWgsl(maxPartials);
    const [partial, finish] = await Promise.all([
      gpu.pipelines.pipeline({
        label: 'KlPenalty.partial',
        key: `KlPenaltyPartial\n${partialCode}`,
        entryPoint: 'kl_partial',
        bindings: klPartialBindings,
        build: () => partialCode,
      }),
      gpu.pipelines.pipeline({
        label: 'KlPenalty.finish',
        key: `KlPenaltyFinish\n${finishCode}`,
        entryPoint: 'kl_finish',
        bindings: klFinishBindings,
        build: () => finishCode,
      }),
    ]);
    return new KlPenalty(gpu, { partial, finish }, layout, maxPartials, buffers);
  }

  /** Records the batch KL and the β rule (2 dispatches). */
  encode(recorder: Recorder): void {
    recorder.dispatch(this.pipelines.partial, this.partialGroup, [this.partialCount]);
    recorder.dispatch(this.pipelines.finish, this.finishGroup, [1]);
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.partials);
  }
}
