/**
 * The epoch kernel (owner: src/algos/ppoUpdate.ts), one dispatch per epoch, one workgroup per minibatch:
 *
 *   perm[j] = permute(j) for j in this minibatch's slice of [0, batch): the epoch's shuffled sample order
 *             (keyed by seed, iteration, epoch: epoch_key of shaders/permutation.ts, whose host twin
 *             epochOrderHost gives the same order)
 *   mb_adv[mb] = (mean, std) of the advantages of the minibatch's samples (two passes; std unbiased, like
 *             torch.std), for per-minibatch advantage normalisation
 *   early stop: at epoch e > 0, if the last minibatch of epoch e-1 had approx_kl > target_kl, set the
 *             control block's skip flag: every later kernel of this iteration (loss, gradients, Adam) then
 *             returns at once, as CleanRL's `break` out of the epoch loop.
 */
import { rngWgsl } from './rng.js';
import { epochKeyWgsl, permutationWgsl } from './permutation.js';
import { controlStruct } from './adam.js';
import { slotStruct, hyperStruct } from './ppoShared.js';
import { reduceOpWgsl, workgroupReduceWgsl } from './reductions.js';
import { rolloutStoreWgsl } from './rolloutStore.js';

export const MINIBATCH_WORKGROUP = 256;

export interface MinibatchKernelSpec {
  recordWords: number;
  approxKlIndex: number;
  doneIndex: number;
}

/**
 * Bindings: 0 slot (uniform, dynamic offset), 1 hyper (uniform), 2 rollout (read), 3 perm (rw, u32 [batch]),
 * 4 mb_adv (rw, [numMinibatches][2]), 5 control (rw), 6 records (read), 7 the storage's layout (uniform).
 */
export function minibatchWgsl(spec: MinibatchKernelSpec): string {
  const WG = MINIBATCH_WORKGROUP;
  return /* wgsl */ `
${rngWgsl}
${permutationWgsl}
${epochKeyWgsl}
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${controlStruct}
${slotStruct}
${hyperStruct}
${rolloutStoreWgsl(7)}

@group(0) @binding(0) var<uniform> slot: Slot;
@group(0) @binding(1) var<uniform> hyper: Hyper;
@group(0) @binding(2) var<storage, read> rollout: array<f32>;
@group(0) @binding(3) var<storage, read_write> perm: array<u32>;
@group(0) @binding(4) var<storage, read_write> mb_adv: array<f32>;
@group(0) @binding(5) var<storage, read_write> control: Control;
@group(0) @binding(6) var<storage, read> records: array<f32>;

@compute @workgroup_size(${WG})
fn epoch_main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let mb = wid.x;
  let MB = hyper.minibatch_size;
  let key = epoch_key(hyper.seed, hyper.iteration, slot.epoch);
  var sum = 0.0;
  for (var i = lane; i < MB; i += ${WG}u) {
    let j = mb * MB + i;
    let s = permute(j, store.m, hyper.half_bits, key);
    perm[j] = s;
    sum += rollout[store.advantages + s];
  }
  let mean = workgroup_reduce(lane, sum) / f32(MB);
  var squares = 0.0;
  for (var i = lane; i < MB; i += ${WG}u) {
    let d = rollout[store.advantages + perm[mb * MB + i]] - mean;
    squares += d * d;
  }
  let total = workgroup_reduce(lane, squares);
  if (lane == 0u) {
    mb_adv[2u * mb] = mean;
    mb_adv[2u * mb + 1u] = select(0.0, sqrt(total / f32(MB - 1u)), MB > 1u);
    if (mb == 0u && slot.epoch > 0u && hyper.target_kl > 0.0) {
      let last = ((slot.epoch - 1u) * hyper.num_minibatches + hyper.num_minibatches - 1u) * ${spec.recordWords}u;
      if (records[last + ${spec.doneIndex}u] > 0.0 && records[last + ${spec.approxKlIndex}u] > hyper.target_kl) {
        control.skip = 1u;
      }
    }
  }
}
`;
}
