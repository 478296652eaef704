/**
 * The epoch kernel (owner: src/ppo/update.ts), one dispatch per epoch, one workgroup per minibatch:
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
import { rngWgsl } from '../../shaders/rng.js';
import { epochKeyWgsl, permutationWgsl } from '../../shaders/permutation.js';
import { ControlBlock } from '../nn/adam.wgsl.js';
import { hyperBinding, slotBinding } from './hyper.js';
import { reduceOpWgsl, workgroupReduceWgsl } from '../../shaders/reductions.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';

export const MINIBATCH_WORKGROUP = 256;

export interface MinibatchKernelSpec {
  recordWords: number;
  approxKlIndex: number;
  doneIndex: number;
}

export const minibatchBindings = bindingTable({
  slot: slotBinding,
  hyper: hyperBinding,
  rollout: readOnlyStorage('array<f32>'),
  /** The epoch's sample order, u32 [batch]. */
  perm: storage('array<u32>'),
  /** Per-minibatch advantage (mean, std), [numMinibatches][2]. */
  mb_adv: storage('array<f32>'),
  control: storage(ControlBlock),
  records: readOnlyStorage('array<f32>'),
  store: rolloutStoreBinding,
});

export function minibatchWgsl(spec: MinibatchKernelSpec): string {
  const WG = MINIBATCH_WORKGROUP;
  return /* wgsl */ `
${rngWgsl}
${permutationWgsl}
${epochKeyWgsl}
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${minibatchBindings.wgsl}
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
