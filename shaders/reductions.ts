/**
 * Reductions as a WGSL library (included by Adam's norm, the reduction pass of src/nn/reduction.ts, the KL pass):
 * sum, sum of squares or max.
 *
 *   reduce_identity()       0 for sums, -3.4e38 (as -inf) for max, so empty inputs give 0 and -3.4e38
 *   reduce_load(v)          the mapped input: v, v² or v
 *   reduce_combine(a, b)    a + b or max(a, b)
 *   workgroup_reduce(lane, v)   the combination of every lane's v, via a tree over workgroup memory (log2 WG
 *                               barriers), returned to every lane
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
