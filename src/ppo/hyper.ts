/**
 * Uniform blocks shared by the PPO update kernels (a library; owner of the kernels: src/ppo/update.ts).
 *
 * Slot: what one dispatch works on, selected with a dynamic offset (SLOT_STRIDE bytes apart) in one buffer that
 * holds every (epoch, minibatch, chunk) of an iteration, so the whole update is encoded once with no per-dispatch
 * uploads. Hyper: the hyperparameters and the iteration number, written by the host once per iteration.
 */
import { dynamicUniform, uniform } from '../gpu/bindings.js';
import { uniformStruct, type StructValues } from '../gpu/uniforms.js';

/** Bytes between slots: the minimum dynamic-offset alignment WebGPU guarantees. */
export const SLOT_STRIDE = 256;

export const Slot = uniformStruct('Slot', {
  epoch: 'u32',
  minibatch: 'u32',
  /** epoch * num_minibatches + minibatch: index of this minibatch's statistics record. */
  record: 'u32',
  /** First sample of this chunk within the minibatch. */
  chunk_start: 'u32',
  chunk_size: 'u32',
  /** 1 for every chunk after a minibatch's first: add to the gradient instead of overwriting. */
  accumulate: 'u32',
  /** Row stride of the scratch: the largest chunk. */
  scratch_stride: 'u32',
});

export type SlotValues = StructValues<typeof Slot.fields>;

export const Hyper = uniformStruct('Hyper', {
  clip_coef: 'f32',
  ent_coef: 'f32',
  vf_coef: 'f32',
  target_kl: 'f32',
  norm_adv: 'u32',
  clip_vloss: 'u32',
  iteration: 'u32',
  seed: 'u32',
  inv_minibatch: 'f32',
  kl_target: 'f32',
  minibatch_size: 'u32',
  num_minibatches: 'u32',
  /** Feistel half-width of the batch (shaders/permutation.ts). */
  half_bits: 'u32',
  /** update_epochs x num_minibatches. */
  num_records: 'u32',
});

/** `slot`: the dispatch's slot, bound as a one-slot range that each dispatch's dynamic offset moves. */
export const slotBinding = dynamicUniform(Slot);
/** `hyper`: the iteration's hyperparameters. */
export const hyperBinding = uniform(Hyper);

export interface HyperFields {
  clipCoef: number;
  entCoef: number;
  vfCoef: number;
  /** <= 0: no early stopping. */
  targetKl: number;
  normAdv: boolean;
  clipVloss: boolean;
  iteration: number;
  seed: number;
  invMinibatch: number;
  /** PPO-Penalty's KL target (beta adaptation). */
  klTarget: number;
  minibatchSize: number;
  numMinibatches: number;
  halfBits: number;
  numRecords: number;
}

/** Every slot of an iteration in one buffer, slot i at byte i * SLOT_STRIDE. */
export function writeSlots(slots: readonly SlotValues[]): ArrayBuffer {
  const bytes = new ArrayBuffer(slots.length * SLOT_STRIDE);
  slots.forEach((slot, i) => Slot.write(slot, bytes, i * SLOT_STRIDE));
  return bytes;
}

/** The Hyper block's values (iteration and seed taken modulo 2^32). */
export function hyperValues(h: HyperFields): StructValues<typeof Hyper.fields> {
  return {
    clip_coef: h.clipCoef,
    ent_coef: h.entCoef,
    vf_coef: h.vfCoef,
    target_kl: h.targetKl,
    norm_adv: h.normAdv ? 1 : 0,
    clip_vloss: h.clipVloss ? 1 : 0,
    iteration: h.iteration >>> 0,
    seed: h.seed >>> 0,
    inv_minibatch: h.invMinibatch,
    kl_target: h.klTarget,
    minibatch_size: h.minibatchSize,
    num_minibatches: h.numMinibatches,
    half_bits: h.halfBits,
    num_records: h.numRecords,
  };
}
