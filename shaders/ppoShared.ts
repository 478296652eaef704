/**
 * Uniform blocks shared by the PPO update kernels (a library; owner of the kernels: src/algos/ppoUpdate.ts).
 *
 * Slot: what one dispatch works on, selected with a dynamic offset (SLOT_STRIDE bytes apart) in one buffer that
 * holds every (epoch, minibatch, chunk) of an iteration, so the whole update is encoded once with no per-dispatch
 * uploads. Hyper: the hyperparameters and the iteration number, written by the host once per iteration.
 */

export const SLOT_STRIDE = 256;
export const SLOT_WORDS = 8;
export const HYPER_WORDS = 16;

export const slotStruct = /* wgsl */ `
struct Slot {
  epoch: u32,
  minibatch: u32,
  record: u32,       // epoch * num_minibatches + minibatch: index of this minibatch's statistics record
  chunk_start: u32,  // first sample of this chunk within the minibatch
  chunk_size: u32,
  accumulate: u32,   // 1 for every chunk after a minibatch's first: add to the gradient instead of overwriting
  scratch_stride: u32, // row stride of the scratch: the largest chunk
  unused: u32,
}
`;

export const hyperStruct = /* wgsl */ `
struct Hyper {
  clip_coef: f32, ent_coef: f32, vf_coef: f32, target_kl: f32,
  norm_adv: u32, clip_vloss: u32, iteration: u32, seed: u32,
  inv_minibatch: f32, kl_target: f32, minibatch_size: u32, num_minibatches: u32,
  unused0: u32,
  half_bits: u32,    // Feistel half-width of the batch (shaders/permutation.ts)
  num_records: u32,  // update_epochs x num_minibatches
  unused: u32,
}
`;

export interface SlotFields {
  epoch: number;
  minibatch: number;
  record: number;
  chunkStart: number;
  chunkSize: number;
  accumulate: boolean;
  scratchStride: number;
}

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

export function packSlots(slots: SlotFields[]): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array((slots.length * SLOT_STRIDE) / 4);
  slots.forEach((slot, i) =>
    words.set(
      [slot.epoch, slot.minibatch, slot.record, slot.chunkStart, slot.chunkSize, slot.accumulate ? 1 : 0, slot.scratchStride],
      (i * SLOT_STRIDE) / 4,
    ),
  );
  return words;
}

export function packHyper(h: HyperFields): ArrayBuffer {
  const words = new ArrayBuffer(HYPER_WORDS * 4);
  new Float32Array(words, 0, 4).set([h.clipCoef, h.entCoef, h.vfCoef, h.targetKl]);
  new Uint32Array(words, 16, 4).set([h.normAdv ? 1 : 0, h.clipVloss ? 1 : 0, h.iteration >>> 0, h.seed >>> 0]);
  new Float32Array(words, 32, 2).set([h.invMinibatch, h.klTarget]);
  new Uint32Array(words, 40, 6).set([h.minibatchSize, h.numMinibatches, 0, h.halfBits, h.numRecords, 0]);
  return words;
}
