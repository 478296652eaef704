/**
 * Owner of src/ppo/gae.wgsl.ts: GAE over a rollout on the GPU, for the trainer (encoded into the iteration, no
 * readback) and for users and tests on typed arrays (`computeGae`, which packs the arrays into one buffer laid
 * out like the rollout storage and runs the same pipeline).
 */
import type { Gpu } from '../gpu/device.js';
import { getGpu } from '../gpu/device.js';
import { readFloat32 } from '../gpu/readback.js';
import { gridFor, Recorder } from '../gpu/recorder.js';
import { GAE_WORKGROUP, GaeParams, gaeBindings, gaeWgsl } from './gae.wgsl.js';

/** Float offsets of the scan's regions in its data buffer (values has T + 1 rows). */
export interface GaeRegions {
  rewards: number;
  values: number;
  dones: number;
  finalValues: number;
  advantages: number;
  returns: number;
}

/**
 * What the scan writes (see gae.wgsl.ts): the critic's weight w, and whether the advantages region gets A_t, R_t or
 * R at the segment's first step. GAE's own is A_t with w = 1; REINFORCE's ψ choose others (src/reinforce/psi.ts).
 */
export interface GaeReadout {
  critic: 0 | 1;
  advantagesAreReturns: boolean;
  wholeSegment: boolean;
}

export const GAE_READOUT: GaeReadout = { critic: 1, advantagesAreReturns: false, wholeSegment: false };

export class Gae {
  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(gpu: Gpu): Promise<Gae> {
    const pipeline = await gpu.pipelines.pipeline({
      label: 'Gae.scan',
      key: 'Gae',
      entryPoint: 'gae',
      bindings: gaeBindings,
      build: gaeWgsl,
    });
    return new Gae(gpu, pipeline);
  }

  /**
   * A bound scan over `data` (regions at the given float offsets): encode() records one dispatch; destroy() frees
   * the parameters' uniform, which the bound scan owns.
   */
  bind(label: string, data: GPUBuffer, numEnvs: number, numSteps: number, regions: GaeRegions, gamma: number, lambda: number, readout: GaeReadout = GAE_READOUT): BoundGae {
    const params = GaeParams.createBuffer(this.gpu, `${label}.params`, {
      num_envs: numEnvs,
      num_steps: numSteps,
      rewards: regions.rewards,
      values: regions.values,
      dones: regions.dones,
      final_values: regions.finalValues,
      advantages: regions.advantages,
      returns: regions.returns,
      gamma,
      lambda,
      critic: readout.critic,
      advantages_are_returns: readout.advantagesAreReturns ? 1 : 0,
      whole_segment: readout.wholeSegment ? 1 : 0,
    });
    const group = gaeBindings.bindGroup(this.gpu.device, `${label}.group`, this.pipeline.getBindGroupLayout(0), { params, data });
    const grid = gridFor(numEnvs, GAE_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return {
      encode: (recorder: Recorder) => recorder.dispatch(this.pipeline, group, grid),
      destroy: () => this.gpu.destroyBuffer(params),
    };
  }
}

/** A GAE scan bound to one data buffer. */
export interface BoundGae {
  /** Records the scan (one dispatch). */
  encode(recorder: Recorder): void;
  /** Frees the scan's parameter uniform. */
  destroy(): void;
}

export interface GaeInput {
  /** Time-major [T][N]. */
  rewards: Float32Array;
  /** V(s_t), time-major [T][N]. */
  values: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** V(finalObs_t) where truncated (read only there), time-major [T][N]. */
  finalValues: Float32Array;
  /** V of the observation after the last step, [N]. */
  lastValues: Float32Array;
  numEnvs: number;
  gamma: number;
  lambda: number;
  gpu?: Gpu;
}

/** GAE(lambda) on the GPU over typed arrays, with the trainer's kernel (see src/ppo/gae.wgsl.ts for the formula). */
export async function computeGae(input: GaeInput): Promise<{ advantages: Float32Array; returns: Float32Array }> {
  const { numEnvs, gamma, lambda } = input;
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`computeGae numEnvs is ${numEnvs}; expected a positive integer`);
  const M = input.rewards.length;
  if (M % numEnvs !== 0) throw new RangeError(`computeGae rewards has length ${M}; expected a multiple of numEnvs (${numEnvs}): time-major T x N`);
  const T = M / numEnvs;
  const expectLength = (name: keyof GaeInput, length: number) => {
    const value = input[name] as ArrayLike<number> | undefined;
    if (!value || value.length !== length) {
      throw new RangeError(`computeGae ${name} has length ${value?.length}; expected ${length} (${name === 'lastValues' ? 'N' : 'T x N'})`);
    }
  };
  (['values', 'terminated', 'truncated', 'finalValues'] as const).forEach((name) => expectLength(name, M));
  expectLength('lastValues', numEnvs);
  for (const [name, value] of [['gamma', gamma], ['lambda', lambda]] as const) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`computeGae ${name} is ${value}; expected a number in [0, 1]`);
  }
  const gpu = input.gpu ?? (await getGpu());
  const gae = await Gae.create(gpu);
  // Packed layout: rewards, values (T + 1 rows), dones, finalValues, advantages, returns.
  const regions: GaeRegions = { rewards: 0, values: M, dones: 2 * M + numEnvs, finalValues: 3 * M + numEnvs, advantages: 4 * M + numEnvs, returns: 5 * M + numEnvs };
  const packed = new Float32Array(6 * M + numEnvs);
  packed.set(input.rewards, regions.rewards);
  packed.set(input.values, regions.values);
  packed.set(input.lastValues, regions.values + M);
  for (let s = 0; s < M; s++) packed[regions.dones + s] = (input.terminated[s] ? 1 : 0) + (input.truncated[s] ? 2 : 0);
  packed.set(input.finalValues, regions.finalValues);
  const data = gpu.buffer({ label: 'computeGae.data', size: packed.byteLength, data: packed });
  const bound = gae.bind('computeGae', data, numEnvs, T, regions, gamma, lambda);
  try {
    const recorder = new Recorder(gpu, 'computeGae.encoder');
    bound.encode(recorder);
    recorder.submit();
    const out = await readFloat32(gpu, data, 2 * M, regions.advantages);
    return { advantages: out.slice(0, M), returns: out.slice(M) };
  } finally {
    gpu.destroyBuffer(data);
    bound.destroy();
  }
}
