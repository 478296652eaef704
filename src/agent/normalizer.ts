/**
 * Owner of the merge kernel of src/agent/normalizer.wgsl.ts: the running observation and return statistics of a trainer
 * (one small buffer, read by the rollout, policy and evaluation kernels) and the per-environment lane sums the
 * rollout accumulates, folded into the statistics by one dispatch per iteration.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { laneRows, NORM_INITIAL_COUNT, NORM_MERGE_WORKGROUP, normMergeBindings, NormMergeDims, normMergeWgsl, normWords } from './normalizer.wgsl.js';

/** The statistics before any data, O + 1 triplets (count, mean, var) = (NORM_INITIAL_COUNT, 0, 1): RunningMeanStd's start. */
export function initialNormStats(obsSize: number): Float32Array<ArrayBuffer> {
  const words = new Float32Array(normWords(obsSize));
  for (let d = 0; d <= obsSize; d++) words.set([NORM_INITIAL_COUNT, 0, 1], 3 * d);
  return words;
}

export class Normalizer {
  /** Running (count, mean, var) per observation component, then of the discounted return. */
  readonly stats: GPUBuffer;
  /** Per-environment Welford sums of one rollout, and each environment's discounted return G. */
  readonly lanes: GPUBuffer;
  private readonly dims: GPUBuffer;
  readonly statsWords: number;
  readonly lanesWords: number;
  private readonly group: GPUBindGroup;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    readonly obsSize: number,
    readonly numEnvs: number,
  ) {
    this.statsWords = normWords(obsSize);
    this.lanesWords = laneRows(obsSize) * numEnvs;
    this.stats = gpu.buffer({ label: 'Normalizer.stats', size: normWords(obsSize) * 4, data: initialNormStats(obsSize) });
    this.lanes = gpu.buffer({ label: 'Normalizer.lanes', size: laneRows(obsSize) * numEnvs * 4 });
    this.dims = NormMergeDims.createBuffer(gpu, 'Normalizer.dims', { num_envs: numEnvs });
    this.group = normMergeBindings.bindGroup(gpu.device, 'Normalizer.mergeGroup', pipeline.getBindGroupLayout(0), {
      dims: this.dims,
      lanes: this.lanes,
      norm: this.stats,
    });
  }

  static async create(gpu: Gpu, obsSize: number, numEnvs: number): Promise<Normalizer> {
    const code = normMergeWgsl(obsSize);
    const pipeline = await gpu.pipelines.pipeline({
      label: 'Normalizer.merge',
      key: `Normalizer\n${code}`,
      entryPoint: 'merge',
      bindings: normMergeBindings,
      build: () => code,
    });
    return new Normalizer(gpu, pipeline, obsSize, numEnvs);
  }

  /** Folds the lanes' sums of the rollout just recorded into the running statistics. */
  encodeMerge(recorder: Recorder): void {
    recorder.dispatch(this.pipeline, this.group, [Math.ceil((this.obsSize + 1) / NORM_MERGE_WORKGROUP)]);
  }

  destroy(): void {
    for (const b of [this.stats, this.lanes, this.dims]) this.gpu.destroyBuffer(b);
  }
}
