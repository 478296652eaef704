/**
 * The end-of-iteration statistics (kernel: iterationStats.wgsl.ts) into the small block that is the iteration's only
 * readback; it updates the record's ring of the last 20 episodes. `decode` turns the block read back into named
 * numbers. The kernel reads d and H from the batch-KL pass (in the record's `ppoState`), encoded before it, and for
 * TRPO the actor step's state.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { iterationStatsWgsl, RING_WORDS, STAT_FIELDS, statsBindings, statsTrpoBindings, STATS_WORDS, type StatField } from './iterationStats.wgsl.js';
import { RECORD_DONE, RECORD_WORDS, Stat } from './scratch.js';
import type { RunnerState } from './runnerState.js';

export type IterationGpuStats = Record<StatField, number>;

/** The part of the run's record the kernel reads (and the ring it updates); trpoState for TRPO only. */
export type IterationStatsBuffers = Pick<RunnerState, 'hyper' | 'storage' | 'records' | 'control' | 'params' | 'ppoState' | 'store' | 'recentEpisodes'> & {
  trpoState?: GPUBuffer;
};

export class IterationStats {
  /** The block read back each iteration (STATS_WORDS floats). */
  readonly block: GPUBuffer;
  readonly ringWords = RING_WORDS;
  private readonly group: GPUBindGroup;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    buffers: IterationStatsBuffers,
  ) {
    this.block = gpu.buffer({ label: 'IterationStats.block', size: STATS_WORDS * 4 });
    const layout = pipeline.getBindGroupLayout(0);
    const shared = {
      hyper: buffers.hyper,
      rollout: buffers.storage,
      records: buffers.records,
      control: buffers.control,
      params: buffers.params,
      ppo_state: buffers.ppoState,
      ring: buffers.recentEpisodes,
      stats: this.block,
      store: buffers.store,
    };
    this.group = buffers.trpoState
      ? statsTrpoBindings.bindGroup(gpu.device, 'IterationStats.group', layout, { ...shared, trpo_state: buffers.trpoState })
      : statsBindings.bindGroup(gpu.device, 'IterationStats.group', layout, shared);
  }

  /** `maskHeads`: the categorical heads of an environment with action masks (its stored masks are checked). */
  static async create(gpu: Gpu, options: { paramCount: number; maskHeads?: readonly number[] }, buffers: IterationStatsBuffers): Promise<IterationStats> {
    const policy = buffers.trpoState ? 'trpo' : 'records';
    const code = iterationStatsWgsl({
      recordWords: RECORD_WORDS,
      doneIndex: RECORD_DONE,
      stat: Stat,
      paramCount: options.paramCount,
      policy,
      ...(options.maskHeads ? { maskHeads: options.maskHeads } : {}),
    });
    const pipeline = await gpu.pipelines.pipeline({
      label: 'IterationStats.reduce',
      key: `IterationStats\n${code}`,
      entryPoint: 'stats_main',
      bindings: policy === 'trpo' ? statsTrpoBindings : statsBindings,
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
  }
}
