/**
 * The rollout storage: everything one iteration records and derives, as regions of ONE f32 buffer (so that the
 * fused kernels stay within the device's storage-buffer binding count). Sample s = t * numEnvs + n is the
 * transition taken by environment n at step t; per-sample vectors are feature-major (component f at f * M + s,
 * M = numSteps * numEnvs), so consecutive invocations (consecutive envs) touch consecutive floats.
 *
 *   obs            [obsSize][M]     observation the action was taken from
 *   actions        [actionWidth][M] discrete: the index as f32; box: the raw (unclipped) Gaussian sample
 *   logprobs       [M]              log pi_old(a|s)
 *   values         [numSteps + 1][numEnvs]   V(s_t); the last row is V of the observation after the last step
 *   rewards        [M]
 *   dones          [M]              terminated + 2 * truncated (0..3)
 *   finalValues    [M]              V(finalObs) where truncated and not terminated, else 0
 *   episodeReturns [M]              return of the episode that ended at s (0 where none ended)
 *   episodeLengths [M]              its length (0 where none ended)
 *   advantages     [M]              GAE(lambda)
 *   returns        [M]              advantages + values
 *   oldDist        [policyOutputs][M] + [policyOutputs]  logits / means of pi_old, then its log-std (box): the
 *                  exact KL[pi_old ‖ pi] after the update (and PPO-Penalty's loss)
 *   masks          [policyOutputs][M]  the action mask of each observation (1 allowed, 0 not): environments
 *                  with actionMask only
 */
import type { Gpu } from '../gpu/device.js';
import { maxStorageBytes } from '../gpu/buffers.js';
import { BufferTooLargeError } from '../gpu/errors.js';
import { RolloutStore } from './storage.wgsl.js';
import type { StructValues } from '../gpu/uniforms.js';

export interface StorageShape {
  numEnvs: number;
  numSteps: number;
  obsSize: number;
  actionWidth: number;
  policyOutputs: number;
  /** Keep pi_old's distribution parameters (the batch KL after the update, PPO-Penalty). */
  keepOldDist: boolean;
  /** Keep each observation's action mask (environments with actionMask). */
  masked?: boolean;
}

export const REGION_NAMES = [
  'obs',
  'actions',
  'logprobs',
  'values',
  'rewards',
  'dones',
  'finalValues',
  'episodeReturns',
  'episodeLengths',
  'advantages',
  'returns',
  'oldDist',
  'masks',
] as const;
export type RegionName = (typeof REGION_NAMES)[number];

export class RolloutLayout {
  readonly samples: number;
  /** Offset in floats of each region. */
  readonly offsets: Record<RegionName, number>;
  readonly floats: number;

  constructor(readonly shape: StorageShape) {
    const M = shape.numEnvs * shape.numSteps;
    this.samples = M;
    const sizes: Record<RegionName, number> = {
      obs: shape.obsSize * M,
      actions: shape.actionWidth * M,
      logprobs: M,
      values: (shape.numSteps + 1) * shape.numEnvs,
      rewards: M,
      dones: M,
      finalValues: M,
      episodeReturns: M,
      episodeLengths: M,
      advantages: M,
      returns: M,
      // pi_old per sample, then (box) its state-independent log-std.
      oldDist: shape.keepOldDist ? shape.policyOutputs * (M + 1) : 0,
      masks: shape.masked ? shape.policyOutputs * M : 0,
    };
    let offset = 0;
    const offsets = {} as Record<RegionName, number>;
    for (const name of REGION_NAMES) {
      offsets[name] = offset;
      offset += Math.ceil(sizes[name] / 4) * 4;
    }
    this.offsets = offsets;
    this.floats = offset;
  }

  get bytes(): number {
    return this.floats * 4;
  }

  /** The uniform block the kernels read the layout from (src/ppo/storage.wgsl.ts). */
  storeValues(): StructValues<typeof RolloutStore.fields> {
    return {
      num_envs: this.shape.numEnvs,
      num_steps: this.shape.numSteps,
      m: this.samples,
      obs: this.offsets.obs,
      actions: this.offsets.actions,
      logprobs: this.offsets.logprobs,
      values: this.offsets.values,
      rewards: this.offsets.rewards,
      dones: this.offsets.dones,
      final_values: this.offsets.finalValues,
      episode_returns: this.offsets.episodeReturns,
      episode_lengths: this.offsets.episodeLengths,
      advantages: this.offsets.advantages,
      returns: this.offsets.returns,
      old_dist: this.offsets.oldDist,
      masks: this.offsets.masks,
    };
  }

  /** The layout's uniform buffer (one per trainer, bound by every kernel that reads the storage). */
  allocateUniform(gpu: Gpu, label: string): GPUBuffer {
    return RolloutStore.createBuffer(gpu, label, this.storeValues());
  }

  /**
   * The buffer, or a BufferTooLargeError that says which sizes fit: the rollout is numSteps x numEnvs samples
   * and must fit one storage binding.
   */
  allocate(gpu: Gpu, label: string): GPUBuffer {
    const limit = maxStorageBytes(gpu.limits);
    if (this.bytes > limit) {
      const perSample = this.bytes / this.samples;
      const error = new BufferTooLargeError(label, this.bytes, limit, 'maxStorageBufferBindingSize');
      error.message =
        `the rollout of num_steps ${this.shape.numSteps} x num_envs ${this.shape.numEnvs} needs ${this.bytes} bytes ` +
        `(about ${perSample.toFixed(0)} per sample) in buffer '${label}', over the device's maxStorageBufferBindingSize ` +
        `of ${limit}; at most ${Math.floor(limit / perSample)} samples fit (e.g. num_steps ${Math.max(1, Math.floor(limit / perSample / this.shape.numEnvs))} ` +
        `at this num_envs)`;
      throw error;
    }
    return gpu.buffer({ label, size: this.bytes });
  }
}
