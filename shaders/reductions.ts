/**
 * Parallel reductions over any length (owner: src/nn/reduction.ts): sum, sum of squares, max.
 *
 *   partial: workgroup w reduces elements w*WG + lane, stepping by WG * numWorkgroups (grid stride), into
 *            partials[w]                            (pass 1, many workgroups)
 *   finish:  one workgroup reduces `count` values into output[output_offset]   (pass 2, or the only pass)
 *
 * Within a workgroup: each lane folds its strided share, then a tree over workgroup memory (log2 WG barriers).
 * The identity is 0 for sums and -inf (as -3.4e38) for max, so empty inputs give 0 and -3.4e38.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export type ReduceOp = 'sum' | 'sumsq' | 'max';
export const REDUCE_WORKGROUP = 256;

/** WGSL for `reduce_identity()`, `reduce_load(v)` (map an input) and `reduce_combine(a, b)`. */
export function reduceOpWgsl(op: ReduceOp): string {
  return wgsl/* wgsl */ `
fn reduce_identity() -> f32 {
#if ${op === 'max'}
  return -3.4028234e38;
#else
  return 0.0;
#endif
}
fn reduce_load(v: f32) -> f32 {
#if ${op === 'sumsq'}
  return v * v;
#else
  return v;
#endif
}
fn reduce_combine(a: f32, b: f32) -> f32 {
#if ${op === 'max'}
  return max(a, b);
#else
  return a + b;
#endif
}
`;
}

/**
 * `workgroup_reduce(lane, value)`: combines one value per lane of a workgroup with a tree over
 * workgroup memory; every lane gets the total. Needs reduceOpWgsl in the same module, uniform control flow.
 */
export function workgroupReduceWgsl(workgroup: number): string {
  return /* wgsl */ `
var<workgroup> reduce_lanes: array<f32, ${workgroup}>;
fn workgroup_reduce(lane: u32, value: f32) -> f32 {
  reduce_lanes[lane] = value;
  workgroupBarrier();
  for (var width = ${workgroup / 2}u; width > 0u; width >>= 1u) {
    if (lane < width) {
      reduce_lanes[lane] = reduce_combine(reduce_lanes[lane], reduce_lanes[lane + width]);
    }
    workgroupBarrier();
  }
  let total = reduce_lanes[0];
  workgroupBarrier();
  return total;
}
`;
}

/**
 * Bindings: 0 dims { count, input_offset, output_offset, map_input }, 1 input (read), 2 output (read_write).
 * map_input is 1 when `finish` reduces raw inputs in a single pass, 0 when it combines mapped partials.
 */
export function reductionWgsl(op: ReduceOp): string {
  const WG = REDUCE_WORKGROUP;
  return wgsl/* wgsl */ `
${reduceOpWgsl(op)}
${workgroupReduceWgsl(WG)}
struct Dims { count: u32, input_offset: u32, output_offset: u32, map_input: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

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
