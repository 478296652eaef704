/**
 * Observation and return normalisation (kernels and WGSL functions: normalizer.wgsl.ts): the running statistics
 * (one small buffer, read by the rollout, policy and evaluation kernels) and the per-environment lane sums the
 * rollout accumulates are buffers of the run's record; the merge pass folds the lanes into the statistics, one
 * dispatch per iteration.
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

/**
 * The normaliser's buffers: `stats` = running (count, mean, var) per observation component, then of the discounted
 * return (normWords(O) floats, initialNormStats); `lanes` = per-environment Welford sums of one rollout and each
 * environment's discounted return G (laneRows(O) x N floats).
 */
export interface NormalizerBuffers {
  stats: GPUBuffer;
  lanes: GPUBuffer;
}

export class NormalizerMerge {
  private readonly dims: GPUBuffer;
  private readonly group: GPUBindGroup;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    readonly obsSize: number,
    readonly numEnvs: number,
    buffers: NormalizerBuffers,
  ) {
    for (const [name, buffer, words] of [['stats', buffers.stats, normWords(obsSize)], ['lanes', buffers.lanes, laneRows(obsSize) * numEnvs]] as const) {
      if (buffer.size < words * 4) throw new RangeError(`NormalizerMerge: the ${name} buffer holds ${buffer.size} bytes; expected at least ${words * 4}`);
    }
    this.dims = NormMergeDims.createBuffer(gpu, 'NormalizerMerge.dims', { num_envs: numEnvs });
    this.group = normMergeBindings.bindGroup(gpu.device, 'NormalizerMerge.group', pipeline.getBindGroupLayout(0), {
      dims: this.dims,
      lanes: buffers.lanes,
      norm: buffers.stats,
    });
  }

  static async create(gpu: Gpu, obsSize: number, numEnvs: number, buffers: NormalizerBuffers): Promise<NormalizerMerge> {
    const code = normMergeWgsl(obsSize);
    const pipeline = await gpu.pipelines.pipeline({
      label: 'NormalizerMerge.merge',
      key: `NormalizerMerge\n${code}`,
      entryPoint: 'merge',
      bindings: normMergeBindings,
      build: () => code,
    });
    return new NormalizerMerge(gpu, pipeline, obsSize, numEnvs, buffers);
  }

  /** Folds the lanes' sums of the rollout just recorded into the running statistics. */
  encode(recorder: Recorder): void {
    recorder.dispatch(this.pipeline, this.group, [Math.ceil((this.obsSize + 1) / NORM_MERGE_WORKGROUP)]);
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.dims);
  }
}
