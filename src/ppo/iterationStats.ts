/**
 * Owner of src/ppo/iterationStats.wgsl.ts: the end-of-iteration statistics kernel and the persistent ring of the last
 * 20 episodes. `decode` turns the block read back from the GPU into named numbers. For PPO-Penalty the kernel reads
 * d from the KL pass (src/ppo/klPenalty.ts, `klResult`), which must be encoded before it.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { iterationStatsWgsl, RING_WORDS, STAT_FIELDS, statsBindings, statsPenaltyBindings, STATS_WORDS, type StatField } from './iterationStats.wgsl.js';
import { RECORD_DONE, RECORD_WORDS, Stat } from './scratch.js';

export type IterationGpuStats = Record<StatField, number>;

export interface IterationStatsBuffers {
  hyper: GPUBuffer;
  storage: GPUBuffer;
  records: GPUBuffer;
  control: GPUBuffer;
  params: GPUBuffer;
  /** PpoUpdate's state ([0] = β), read only. */
  state: GPUBuffer;
  store: GPUBuffer;
  /** PPO-Penalty only: KlPenalty's result ([0] = d, the batch KL after the update). */
  klResult?: GPUBuffer;
}

export class IterationStats {
  /** The block read back each iteration (STATS_WORDS floats). */
  readonly block: GPUBuffer;
  readonly ring: GPUBuffer;
  readonly ringWords = RING_WORDS;
  private readonly group: GPUBindGroup;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    buffers: IterationStatsBuffers,
  ) {
    this.block = gpu.buffer({ label: 'IterationStats.block', size: STATS_WORDS * 4 });
    this.ring = gpu.buffer({ label: 'IterationStats.recentEpisodes', size: RING_WORDS * 4 });
    const layout = pipeline.getBindGroupLayout(0);
    const shared = {
      hyper: buffers.hyper,
      rollout: buffers.storage,
      records: buffers.records,
      control: buffers.control,
      params: buffers.params,
      ppo_state: buffers.state,
      ring: this.ring,
      stats: this.block,
      store: buffers.store,
    };
    this.group = buffers.klResult
      ? statsPenaltyBindings.bindGroup(gpu.device, 'IterationStats.group', layout, { ...shared, kl_result: buffers.klResult })
      : statsBindings.bindGroup(gpu.device, 'IterationStats.group', layout, shared);
  }

  static async create(
    gpu: Gpu,
    options: { paramCount: number; penalty: boolean },
    buffers: IterationStatsBuffers,
  ): Promise<IterationStats> {
    if (options.penalty !== (buffers.klResult !== undefined)) {
      throw new RangeError(
        `IterationStats: penalty is ${options.penalty} but the KL pass's result buffer (klResult) was ${buffers.klResult ? 'given' : 'not given'}; ` +
          'expected klResult exactly when penalty is true',
      );
    }
    const code = iterationStatsWgsl({
      recordWords: RECORD_WORDS,
      doneIndex: RECORD_DONE,
      stat: Stat,
      paramCount: options.paramCount,
      penalty: options.penalty,
    });
    const pipeline = await gpu.pipelines.pipeline({
      label: 'IterationStats.reduce',
      key: `IterationStats\n${code}`,
      entryPoint: 'stats_main',
      bindings: options.penalty ? statsPenaltyBindings : statsBindings,
      build: () => code,
    });
    return new IterationStats(gpu, pipeline, buffers);
  }

  encode(recorder: Recorder): void {
    recorder.dispatch(this.pipeline, this.group, [1]);
  }

  static decode(words: Float32Array): IterationGpuStats {
    const out = {} as IterationGpuStats;
    STAT_FIELDS.forEach((name, i) => (out[name] = words[i]!));
    if (out.returnVariance === 0) out.explainedVariance = Number.NaN;
    return out;
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.block);
    this.gpu.destroyBuffer(this.ring);
  }
}
