/**
 * The gradient kernel of the PPO update (owner: src/ppo/update.ts): one dispatch forms every weight and bias
 * gradient of both networks, the log-std gradient and the minibatch's statistics from the scratch rows written by
 * the loss kernel. Each task of the table (src/ppo/scratch.ts) is a tileK x tileJ tile of one layer's [W; b]
 *
 *   dW[k][j] = sum_b input[k][b] dz[j][b],   db[j] = sum_b dz[j][b]     (row k = inputs is the bias: input 1)
 *
 * or a row sum (inputs = 0). Two tilings (GradientTiling):
 *   shared (lanes > 1)  workgroup w runs task w: each of the lanes sums a strided share of the chunk's samples in
 *                       registers (consecutive lanes read consecutive samples), then the lanes' tiles are added in
 *                       workgroup memory behind one barrier;
 *   direct (lanes = 1)  invocation i runs task i alone over the whole chunk: no workgroup memory, no barrier.
 * Results overwrite the gradient for a minibatch's first chunk and are added for the next ones. Skipped (early
 * stop) iterations return at once.
 *
 * The tile's loops are unrolled here, so the accumulator array is only indexed by constants: lavapipe (LLVM)
 * unrolls a loop version itself, but SwiftShader keeps a private array indexed by loop counters in memory, several
 * times slower. Named scalars instead of the array help SwiftShader a little more and hurt lavapipe.
 */
import { ControlBlock } from '../nn/adam.wgsl.js';
import { slotBinding } from './hyper.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';

export interface GradientKernelSpec {
  /** src/ppo/scratch.ts GradientTiling. */
  tiling: { tileK: number; tileJ: number; lanes: number };
  /** Tasks in the table. */
  taskCount: number;
  recordWords: number;
  doneIndex: number;
}

export const gradientBindings = bindingTable({
  slot: slotBinding,
  /** The task table: struct Task, nine u32 each (src/ppo/scratch.ts). */
  tasks: readOnlyStorage('array<Task>'),
  scratch: readOnlyStorage('array<f32>'),
  control: readOnlyStorage(ControlBlock),
  grads: storage('array<f32>'),
  records: storage('array<f32>'),
});

/** Invocations per workgroup of the direct tiling (lanes = 1). */
export const DIRECT_WORKGROUP = 64;

/** Workgroups of one dispatch: one per task (shared tiling) or one per DIRECT_WORKGROUP tasks (direct). */
export function gradientWorkgroups(spec: Pick<GradientKernelSpec, 'tiling' | 'taskCount'>): number {
  return spec.tiling.lanes === 1 ? Math.ceil(spec.taskCount / DIRECT_WORKGROUP) : spec.taskCount;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function gradientWgsl(spec: GradientKernelSpec): string {
  const { tileK: TK, tileJ: TJ, lanes: LANES } = spec.tiling;
  const T = TK * TJ;
  const done = `records[slot.record * ${spec.recordWords}u + ${spec.doneIndex}u] = 1.0;`;
  // acc[r * TJ + t] += input[k0 + r][b] * dz[j0 + t][b] over samples b = first, first + stride, ... of the chunk.
  const accumulate = `  var acc: array<f32, ${T}>;
  for (var b = first; b < slot.chunk_size; b += stride) {
${range(TJ)
  .map((t) => `    let dz${t} = scratch[(task.delta_row + min(task.j0 + ${t}u, task.outputs - 1u)) * CHUNK + b];`)
  .join('\n')}
${range(TK)
  .map(
    (r) =>
      `    let in${r} = select(1.0, scratch[(task.input_row + min(task.k0 + ${r}u, max(task.inputs, 1u) - 1u)) * CHUNK + b], task.k0 + ${r}u < task.inputs);\n` +
      range(TJ)
        .map((t) => `    acc[${r * TJ + t}] = fma(in${r}, dz${t}, acc[${r * TJ + t}]);`)
        .join('\n'),
  )
  .join('\n')}
  }`;
  const shared = /* wgsl */ `
var<workgroup> partial: array<f32, ${LANES * T}>;

@compute @workgroup_size(${LANES})
fn gradient_main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  // control is a read-only binding, so the skip flag is uniform and the early return keeps the barrier valid.
  if (control.skip != 0u) { return; }
  let task = tasks[wid.x];
  let CHUNK = slot.scratch_stride;
  let first = lane;
  let stride = ${LANES}u;
${accumulate}
  for (var e = 0u; e < ${T}u; e++) {
    partial[lane * ${T}u + e] = acc[e];
  }
  workgroupBarrier();
  for (var e = lane; e < ${T}u; e += ${LANES}u) {
    var total = 0.0;
    for (var l = 0u; l < ${LANES}u; l++) {
      total += partial[l * ${T}u + e];
    }
    emit(task, task.k0 + e / ${TJ}u, task.j0 + e % ${TJ}u, total);
  }
  if (lane == 0u && wid.x == 0u) {
    ${done}
  }
}`;
  const direct = /* wgsl */ `
@compute @workgroup_size(${DIRECT_WORKGROUP})
fn gradient_main(@builtin(global_invocation_id) gid: vec3u) {
  let index = gid.x;
  if (control.skip != 0u || index >= ${spec.taskCount}u) { return; }
  let task = tasks[index];
  let CHUNK = slot.scratch_stride;
  let first = 0u;
  let stride = 1u;
${accumulate}
${range(T)
  .map((e) => `  emit(task, task.k0 + ${Math.floor(e / TJ)}u, task.j0 + ${e % TJ}u, acc[${e}]);`)
  .join('\n')}
  if (index == 0u) {
    ${done}
  }
}`;
  return /* wgsl */ `
struct Task {
  input_row: u32, delta_row: u32, inputs: u32, outputs: u32,
  k0: u32, j0: u32, weight_offset: u32, bias_offset: u32, destination: u32,
}
${gradientBindings.wgsl}
fn emit(task: Task, k: u32, j: u32, total: f32) {
  if (j >= task.outputs || k > task.inputs) { return; }
  if (task.destination == 1u) {
    let at = slot.record * ${spec.recordWords}u + task.bias_offset + j;
    records[at] = select(0.0, records[at], slot.accumulate != 0u) + total;
    return;
  }
  let at = select(task.bias_offset + j, task.weight_offset + k * task.outputs + j, k < task.inputs);
  grads[at] = select(0.0, grads[at], slot.accumulate != 0u) + total;
}
${LANES === 1 ? direct : shared}
`;
}
