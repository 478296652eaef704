/**
 * Owner of src/ppo/klPenalty.wgsl.ts: PPO-Penalty's β adaptation, a pass of its own encoded after the update's epochs.
 * It measures d, the mean over the whole batch of KL[π_old(·|s) ‖ π_θ(·|s)] with the parameters the update left,
 * and applies the paper's rule to PpoUpdate's `state[0]` (β): ×2 when d > 1.5 kl_target, ÷2 when
 * d < kl_target / 1.5. Two dispatches, no readback; `result[0]` holds d for the iteration's statistics.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { KL_MAX_PARTIALS, klFinishBindings, klFinishWgsl, klPartialBindings, klPartialCount, klPartialWgsl } from './klPenalty.wgsl.js';
import type { AgentLayout } from '../agent/agent.js';
import type { RolloutLayout } from './storage.js';

export interface KlPenaltyBuffers {
  /** The agent's flat parameters (θ after the update). */
  params: GPUBuffer;
  /** The rollout storage, with the old policy's distribution (RolloutLayout keepOldDist). */
  storage: GPUBuffer;
  /** The storage's layout uniform. */
  store: GPUBuffer;
  /** PpoUpdate's hyperparameter uniform (kl_target). */
  hyper: GPUBuffer;
  /** PpoUpdate's state: [0] = β, updated in place. */
  state: GPUBuffer;
}

export interface KlPenaltyOptions {
  /** Bound on the workgroups of the KL kernel (each adds one partial sum); default KL_MAX_PARTIALS. */
  maxPartials?: number;
}

export class KlPenalty {
  /** [0] = d, the batch's mean KL after the update (written each iteration). */
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
    this.result = gpu.buffer({ label: 'KlPenalty.result', size: 16 });
    this.partialGroup = klPartialBindings.bindGroup(gpu.device, 'KlPenalty.partialGroup', pipelines.partial.getBindGroupLayout(0), {
      params: buffers.params,
      rollout: buffers.storage,
      partials: this.partials,
      store: buffers.store,
    });
    this.finishGroup = klFinishBindings.bindGroup(gpu.device, 'KlPenalty.finishGroup', pipelines.finish.getBindGroupLayout(0), {
      hyper: buffers.hyper,
      partials: this.partials,
      ppo_state: buffers.state,
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
    this.gpu.destroyBuffer(this.result);
  }
}
