/**
 * The reduction kernels of src/nn/reduction.ts: sum, sum of squares or max of `count` floats.
 *
 *   partial: workgroup w folds elements w·WG + lane, w·WG + lane + WG·P, ... (grid stride over P workgroups) into
 *            output[output_offset + w]                       (pass 1 of two, P = PARTIAL_WORKGROUPS)
 *   finish:  one workgroup folds `count` values into output[output_offset]   (pass 2, or the only pass)
 *
 * Within a workgroup each lane folds its strided share, then workgroup_reduce combines the lanes.
 * map_input is 1 when `finish` reduces raw inputs in a single pass, 0 when it combines mapped partials.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { reduceOpWgsl, REDUCE_WORKGROUP, workgroupReduceWgsl, type ReduceOp } from '../../shaders/reductions.js';
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const ReductionDims = uniformStruct('ReductionDims', {
  count: 'u32',
  input_offset: 'u32',
  output_offset: 'u32',
  map_input: 'u32',
});

export const reductionBindings = bindingTable({
  dims: uniform(ReductionDims),
  input: readOnlyStorage('array<f32>'),
  output: storage('array<f32>'),
});

export function reductionWgsl(op: ReduceOp): string {
  const WG = REDUCE_WORKGROUP;
  return wgsl/* wgsl */ `
${reduceOpWgsl(op)}
${workgroupReduceWgsl(WG)}
${reductionBindings.wgsl}

// The first pass maps its inputs; the second pass combines partials, which are already mapped.
fn fold(start: u32, step: u32, map_input: bool) -> f32 {
  var acc = reduce_identity();
  for (var i = start; i < dims.count; i += step) {
    let v = input[dims.input_offset + i];
    acc = reduce_combine(acc, select(v, reduce_load(v), map_input));
  }
  return acc;
}

@compute @workgroup_size(${WG})
fn partial(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let total = workgroup_reduce(lane, fold(wid.x * ${WG}u + lane, ${WG}u * nwg.x, true));
  if (lane == 0u) {
    output[dims.output_offset + wid.x] = total;
  }
}

@compute @workgroup_size(${WG})
fn finish(@builtin(local_invocation_index) lane: u32) {
  let total = workgroup_reduce(lane, fold(lane, ${WG}u, dims.map_input != 0u));
  if (lane == 0u) {
    output[dims.output_offset] = total;
  }
}
`;
}
