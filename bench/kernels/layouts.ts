/**
 * Alternative layouts of the dense-layer kernels, for the MLP micro-benchmark (bench only, not engine code).
 * Every variant uses the engine's binding interface (shaders/matmul.ts: 0 dims uniform, 1 params, 2 x, 3 y, 4 dy,
 * 5 out) and its Dims block, so the same buffers and bind groups serve all of them; a variant builds one module
 * per role (entry point = role name), so each role can declare its own element types (f32 or vec4f).
 *
 *   engine        shaders/matmul.ts itself at a given DenseTiling (feature-major, S samples a workgroup apart).
 *   legacy        shaders/matmul.ts before the benchmark (bench/kernels/legacy.ts): one sample per invocation.
 *   naive         SAMPLE-MAJOR X [batch][features]: one invocation per sample computes all outputs with plain
 *                 loops (the textbook per-sample kernel); backward_weights: one invocation per weight, summing over
 *                 the batch.
 *   shared16      classic shared-memory tiled matmul (forward): 16 x 16 workgroup, 16 x 16 tiles of W and X staged
 *                 in workgroup memory per 16-wide slice of K, two barriers per slice.
 *   gen           generated code, feature-major: explicit accumulator registers (no arrays), the reduction loop
 *                 unrolled `unroll` deep; `vec` 4 or 8 = each invocation takes 4 or 8 consecutive samples as vec4f
 *                 loads/stores along the batch; weights read from storage as scalars (`storage`), as vec4f
 *                 (`vec4`, 4 consecutive outputs per load), or staged once per workgroup in workgroup memory
 *                 (`workgroup`).
 *
 * Why the layouts differ on lavapipe (gallivm, Mesa 25): a load whose address differs per lane becomes a masked
 * gather (a vec4f load: one gather per component), a per-lane store 8 scalar stores, and a load whose address is the
 * same in every lane one scalar load (behind a bounds-check select for storage buffers, plain for workgroup
 * memory) broadcast to the lanes. So vec4f loads themselves gain nothing; what gains is FMAs per load: with S
 * samples per invocation each weight load feeds S FMAs, with a tile of T outputs each activation load feeds T.
 * The engine keeps the gain with S scalar samples a workgroup apart, which works at any stride and offset.
 * Unrolling the k loop (`unroll`) measured no gain. Variants with vec 4 or 8 need batch and strides to be
 * multiples of 4 or 8 (true of every batch the benchmark uses).
 */
import type { Activation } from '../../shaders/activations.js';
import { linearIndexWgsl } from '../../shaders/common.js';
import { denseWgsl, weightTileReduceWgsl, type DenseShape, type DenseTiling } from '../../shaders/matmul.js';
import { denseGrid } from '../../src/nn/dense.js';
import { gridFor, type Workgroups } from '../../src/gpu/recorder.js';

export type Role = 'forward' | 'backward_input' | 'backward_weights';
export type Layout = 'feature-major' | 'sample-major';

export interface LayerVariant {
  /** Family name, e.g. `engine`, `naive`, `gen`. */
  family: string;
  /** Short label with the parameters that matter, for tables. */
  label: string;
  params: Record<string, unknown>;
  layout: Layout;
  roles: readonly Role[];
  /** The WGSL module of one role (entry point named as the role); same text for the same key. */
  wgsl(role: Role, shape: DenseShape): string;
  /** Cache key of the module of one role at one shape. */
  key(role: Role, shape: DenseShape): string;
  grid(role: Role, shape: DenseShape, batch: number, maxPerDimension: number): Workgroups;
}

const dimsWgsl = /* wgsl */ `
struct Dims {
  batch: u32, stride_in: u32, stride_out: u32, weight_offset: u32,
  bias_offset: u32, input_offset: u32, output_offset: u32, unused: u32,
}
@group(0) @binding(0) var<uniform> dims: Dims;
`;

/** activate / activation_grad over a type T (f32 or vec4f), the same formulas as shaders/activations.ts. */
function activationFor(activation: Activation, T: string): string {
  const one = `${T}(1.0)`;
  const zero = `${T}(0.0)`;
  const act =
    activation === 'tanh'
      ? `let t = exp(-2.0 * abs(z)); return sign(z) * (${one} - t) / (${one} + t);`
      : activation === 'relu'
        ? `return max(z, ${zero});`
        : `return z;`;
  const grad =
    activation === 'tanh' ? `return ${one} - y * y;` : activation === 'relu' ? `return select(${zero}, ${one}, y > ${zero});` : `return ${one};`;
  return `fn activate(z: ${T}) -> ${T} { ${act} }\nfn activation_grad(y: ${T}) -> ${T} { ${grad} }\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// engine

export function engineVariant(tiling: DenseTiling, label = 'engine'): LayerVariant {
  return {
    family: 'engine',
    label: `${label} wg${tiling.workgroup} s${tiling.samplesPerLane} jt${tiling.forwardTile} kt${tiling.inputTile}${tiling.stageWeights ? ' staged' : ''} L${tiling.reduceLanes} w${tiling.weightTileK}x${tiling.weightTileJ}`,
    params: { ...tiling },
    layout: 'feature-major',
    roles: ['forward', 'backward_input', 'backward_weights'],
    wgsl: (_role, shape) => denseWgsl(shape, tiling),
    key: (_role, shape) => `Dense:${JSON.stringify(shape)}:${JSON.stringify(tiling)}`,
    grid: (role, shape, batch, max) => denseGrid(shape, tiling, role, batch, max),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// naive, sample-major

export function naiveVariant(workgroup = 64): LayerVariant {
  const WG = workgroup;
  return {
    family: 'naive',
    label: `naive sample-major wg${WG}`,
    params: { workgroup: WG },
    layout: 'sample-major',
    roles: ['forward', 'backward_input', 'backward_weights'],
    key: (role, shape) => `naive:${WG}:${role}:${JSON.stringify(shape)}`,
    grid(role, shape, batch, max) {
      if (role === 'backward_weights') return [Math.ceil(((shape.inputs + 1) * shape.outputs) / WG)];
      return gridFor(batch, WG, max);
    },
    wgsl(role, shape) {
      const { inputs: K, outputs: J } = shape;
      const head = `${activationFor(shape.activation, 'f32')}${linearIndexWgsl}${dimsWgsl}
const K: u32 = ${K}u;
const J: u32 = ${J}u;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
`;
      if (role === 'forward') {
        return `${head}
// X [batch][K], Y [batch][J]: y[b][j] = f(sum_k W[k][j] x[b][k] + bias[j]).
@compute @workgroup_size(${WG})
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = linear_index(gid, nwg, ${WG}u);
  if (b >= dims.batch) { return; }
  for (var j = 0u; j < J; j++) {
    var acc = params[dims.bias_offset + j];
    for (var k = 0u; k < K; k++) {
      acc = fma(params[dims.weight_offset + k * J + j], x[b * K + k], acc);
    }
    out[b * J + j] = activate(acc);
  }
}`;
      }
      if (role === 'backward_input') {
        return `${head}
// dX[b][k] = sum_j W[k][j] dY[b][j] f'(Y[b][j]).
@compute @workgroup_size(${WG})
fn backward_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = linear_index(gid, nwg, ${WG}u);
  if (b >= dims.batch) { return; }
  for (var k = 0u; k < K; k++) {
    var acc = 0.0;
    for (var j = 0u; j < J; j++) {
      let dz = dy[b * J + j] * activation_grad(y[b * J + j]);
      acc = fma(params[dims.weight_offset + k * J + j], dz, acc);
    }
    out[b * K + k] = acc;
  }
}`;
      }
      return `${head}
// One invocation per entry of [W; b] (row K = bias): the sum over the batch.
@compute @workgroup_size(${WG})
fn backward_weights(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= (K + 1u) * J) { return; }
  let k = i / J;
  let j = i % J;
  var acc = 0.0;
  for (var b = 0u; b < dims.batch; b++) {
    let dz = dy[b * J + j] * activation_grad(y[b * J + j]);
    let xk = select(1.0, x[b * K + min(k, K - 1u)], k < K);
    acc = fma(xk, dz, acc);
  }
  if (k < K) { out[dims.weight_offset + k * J + j] = acc; } else { out[dims.bias_offset + j] = acc; }
}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// shared16: classic tiled matmul through workgroup memory (forward only)

export function shared16Variant(): LayerVariant {
  return {
    family: 'shared16',
    label: 'shared-memory 16x16 tiles',
    params: { tile: 16 },
    layout: 'feature-major',
    roles: ['forward'],
    key: (role, shape) => `shared16:${role}:${JSON.stringify(shape)}`,
    grid: (_role, shape, batch) => [Math.ceil(batch / 16), Math.ceil(shape.outputs / 16)],
    wgsl(_role, shape) {
      const { inputs: K, outputs: J } = shape;
      return `${activationFor(shape.activation, 'f32')}${dimsWgsl}
const K: u32 = ${K}u;
const J: u32 = ${J}u;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
var<workgroup> ws: array<f32, 256>;  // [kk][jj]
var<workgroup> xs: array<f32, 256>;  // [kk][bb]

// Invocation (lx, ly) computes Y[j0 + ly][b0 + lx].
@compute @workgroup_size(16, 16)
fn forward(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let b0 = wid.x * 16u;
  let j0 = wid.y * 16u;
  let b = b0 + lid.x;
  let j = j0 + lid.y;
  var acc = 0.0;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    let kk = k0 + lid.y;
    let kc = min(kk, K - 1u);
    ws[lid.y * 16u + lid.x] = select(0.0, params[dims.weight_offset + kc * J + min(j0 + lid.x, J - 1u)], kk < K);
    xs[lid.y * 16u + lid.x] = select(0.0, x[kc * dims.stride_in + min(b, dims.batch - 1u)], kk < K);
    workgroupBarrier();
    for (var t = 0u; t < 16u; t++) {
      acc = fma(ws[t * 16u + lid.y], xs[t * 16u + lid.x], acc);
    }
    workgroupBarrier();
  }
  if (b < dims.batch && j < J) {
    out[j * dims.stride_out + b] = activate(acc + params[dims.bias_offset + j]);
  }
}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// gen: generated, register-tiled, feature-major

export interface GenOptions {
  /** Samples per invocation: 1 (f32), 4 (one vec4f along the batch) or 8 (two vec4f). */
  vec: 1 | 4 | 8;
  workgroup: number;
  /** forward: outputs per invocation; backward_input: inputs per invocation. */
  tile: number;
  /**
   * Where forward / backward_input read weights: `storage` (scalar loads), `vec4` (forward: vec4f loads of 4
   * consecutive outputs), `workgroup` (the workgroup's slice of W staged once in workgroup memory, read as vec4f
   * where the tile allows).
   */
  weights: 'storage' | 'vec4' | 'workgroup';
  /** Unroll of the reduction loop (k in forward, j in backward_input); samples are never looped over. */
  unroll: number;
  /** backward_weights: lanes per workgroup and the [W; b] tile per workgroup. */
  reduceLanes: number;
  weightTileK: number;
  weightTileJ: number;
}

export const GEN_DEFAULT: GenOptions = {
  vec: 4,
  workgroup: 64,
  tile: 8,
  weights: 'storage',
  unroll: 1,
  reduceLanes: 64,
  weightTileK: 4,
  weightTileJ: 8,
};

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

const XYZW = 'xyzw';

export function genLabel(o: GenOptions, roles: readonly Role[]): string {
  const weightsOnly = roles.length === 1 && roles[0] === 'backward_weights';
  return [
    'gen',
    `v${o.vec}`,
    weightsOnly ? `L${o.reduceLanes}` : `wg${o.workgroup}`,
    weightsOnly ? '' : `t${o.tile}`,
    weightsOnly ? '' : `w:${o.weights}`,
    !weightsOnly && o.unroll > 1 ? `u${o.unroll}` : '',
    roles.includes('backward_weights') ? `${weightsOnly ? '' : `L${o.reduceLanes} `}w${o.weightTileK}x${o.weightTileJ}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function genVariant(options: Partial<GenOptions>, roles: readonly Role[] = ['forward', 'backward_input', 'backward_weights']): LayerVariant {
  const o: GenOptions = { ...GEN_DEFAULT, ...options };
  const V = o.vec;
  const T = V === 1 ? 'f32' : 'vec4f';
  /** Values of type T per invocation. */
  const H = V === 8 ? 2 : 1;
  return {
    family: 'gen',
    label: genLabel(o, roles),
    params: { ...o },
    layout: 'feature-major',
    roles,
    key: (role, shape) => `gen:${role}:${JSON.stringify(o)}:${JSON.stringify(shape)}`,
    grid(role, shape, batch, max) {
      if (role === 'backward_weights') {
        return [Math.ceil((shape.inputs + 1) / o.weightTileK) * Math.ceil(shape.outputs / o.weightTileJ)];
      }
      const width = role === 'forward' ? shape.outputs : shape.inputs;
      const [x, y] = gridFor(Math.ceil(batch / V), o.workgroup, max);
      return [x, y, Math.ceil(width / o.tile)];
    },
    wgsl(role, shape) {
      const { inputs: K, outputs: J } = shape;
      const WG = o.workgroup;
      const vecWeights = o.weights === 'vec4' && role === 'forward';
      const head = `${activationFor(shape.activation, T)}${linearIndexWgsl}${dimsWgsl}
const K: u32 = ${K}u;
const J: u32 = ${J}u;
@group(0) @binding(1) var<storage, read> params: array<${vecWeights ? 'vec4f' : 'f32'}>;
@group(0) @binding(2) var<storage, read> x: array<${T}>;
@group(0) @binding(3) var<storage, read> y: array<${T}>;
@group(0) @binding(4) var<storage, read> dy: array<${T}>;
@group(0) @binding(5) var<storage, read_write> out: array<${role === 'backward_weights' ? 'f32' : T}>;
`;
      const laneHeader = `  let q = linear_index(vec3u(gid.x, gid.y, 0u), nwg, ${WG}u);
  if (q * ${V}u >= dims.batch) { return; }
  let xs = dims.stride_in / ${V / H}u;
  let os = dims.stride_out / ${V / H}u;`;
      /** Index (in units of T) of the lane's h-th value in row `row` with row stride `stride`. */
      const at = (row: string, stride: string, h: number) => `(${row}) * ${stride} + q * ${H}u + ${h}u`;
      if (role === 'forward') {
        const JT = o.tile;
        const U = K % o.unroll === 0 ? o.unroll : 1;
        const wsVec = o.weights === 'workgroup' && JT % 4 === 0;
        if (vecWeights && (JT % 4 !== 0 || J % JT !== 0)) throw new Error(`gen: vec4 weights need tile % 4 == 0 and outputs % tile == 0 (tile ${JT}, outputs ${J})`);
        const stage =
          o.weights !== 'workgroup'
            ? ''
            : wsVec
              ? `var<workgroup> ws: array<vec4f, ${(K * JT) / 4 + JT / 4}>;  // W[k][j0 + 4c .. 4c + 3] at k * ${JT / 4} + c, then the bias`
              : `var<workgroup> ws: array<f32, ${K * JT + JT}>;  // W[k][j0 + t] at k * ${JT} + t, then the bias`;
        const stageCode =
          o.weights !== 'workgroup'
            ? ''
            : wsVec
              ? `  for (var i = lane; i < ${(K * JT) / 4 + JT / 4}u; i += ${WG}u) {
    let row = select(dims.weight_offset + (i / ${JT / 4}u) * J, dims.bias_offset, i >= ${(K * JT) / 4}u);
    let c = (i % ${JT / 4}u) * 4u;
    ws[i] = vec4f(params[row + min(j0 + c, J - 1u)], params[row + min(j0 + c + 1u, J - 1u)],
                  params[row + min(j0 + c + 2u, J - 1u)], params[row + min(j0 + c + 3u, J - 1u)]);
  }
  workgroupBarrier();`
              : `  for (var i = lane; i < ${K * JT}u; i += ${WG}u) {
    ws[i] = params[dims.weight_offset + (i / ${JT}u) * J + min(j0 + i % ${JT}u, J - 1u)];
  }
  for (var i = lane; i < ${JT}u; i += ${WG}u) { ws[${K * JT}u + i] = params[dims.bias_offset + min(j0 + i, J - 1u)]; }
  workgroupBarrier();`;
        const weightLoads = (u: number) => {
          const k = `k + ${u}u`;
          if (o.weights === 'storage') return [`    let row_${u} = dims.weight_offset + (${k}) * J;`];
          if (vecWeights) return range(JT / 4).map((c) => `    let wv${c}_${u} = params[(dims.weight_offset + (${k}) * J + j0) / 4u + ${c}u];`);
          if (wsVec) return range(JT / 4).map((c) => `    let wv${c}_${u} = ws[(${k}) * ${JT / 4}u + ${c}u];`);
          return [];
        };
        const weight = (u: number, t: number) =>
          o.weights === 'storage'
            ? `params[row_${u} + c${t}]`
            : vecWeights || wsVec
              ? `wv${Math.floor(t / 4)}_${u}.${XYZW[t % 4]}`
              : `ws[(k + ${u}u) * ${JT}u + ${t}u]`;
        const bias = (t: number) =>
          o.weights === 'workgroup'
            ? wsVec
              ? `ws[${(K * JT) / 4 + Math.floor(t / 4)}u].${XYZW[t % 4]}`
              : `ws[${K * JT + t}u]`
            : vecWeights
              ? `params[(dims.bias_offset + j0) / 4u + ${Math.floor(t / 4)}u].${XYZW[t % 4]}`
              : `params[dims.bias_offset + c${t}]`;
        const body = range(U)
          .map((u) =>
            [
              ...range(H).map((h) => `    let x${u}_${h} = x[${at(`k + ${u}u`, 'xs', h)}];`),
              ...weightLoads(u),
              ...range(JT).flatMap((t) => [`    { let w = ${T}(${weight(u, t)});`, ...range(H).map((h) => `      a${t}_${h} = fma(w, x${u}_${h}, a${t}_${h});`), '    }']),
            ].join('\n'),
          )
          .join('\n');
        return `${head}${stage}
@compute @workgroup_size(${WG})
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u,
           @builtin(local_invocation_index) lane: u32) {
  let j0 = wid.z * ${JT}u;
${range(JT).map((t) => `  let c${t} = min(j0 + ${t}u, J - 1u);`).join('\n')}
${stageCode}
${laneHeader}
${range(JT).flatMap((t) => range(H).map((h) => `  var a${t}_${h} = ${T}(${bias(t)});`)).join('\n')}
  for (var k = 0u; k < K; k += ${U}u) {
${body}
  }
${range(JT)
  .map((t) => `  if (j0 + ${t}u < J) {\n${range(H).map((h) => `    out[${at(`j0 + ${t}u`, 'os', h)}] = activate(a${t}_${h});`).join('\n')}\n  }`)
  .join('\n')}
}`;
      }
      if (role === 'backward_input') {
        const KT = o.tile;
        const U = J % o.unroll === 0 ? o.unroll : 1;
        const stage = o.weights === 'workgroup' ? `var<workgroup> ws: array<f32, ${KT * J}>;  // W[k0 + t][j] at j * ${KT} + t` : '';
        const stageCode =
          o.weights === 'workgroup'
            ? `  for (var i = lane; i < ${KT}u * J; i += ${WG}u) {
    ws[i] = params[dims.weight_offset + min(k0 + i % ${KT}u, K - 1u) * J + i / ${KT}u];
  }
  workgroupBarrier();`
            : '';
        const weight = (t: number, j: string) => (o.weights === 'workgroup' ? `ws[(${j}) * ${KT}u + ${t}u]` : `params[dims.weight_offset + c${t} * J + ${j}]`);
        const body = range(U)
          .map((u) =>
            [
              ...range(H).flatMap((h) => [
                `    let at${u}_${h} = ${at(`j + ${u}u`, 'os', h)};`,
                `    let dz${u}_${h} = dy[at${u}_${h}] * activation_grad(y[at${u}_${h}]);`,
              ]),
              ...range(KT).flatMap((t) => [`    { let w = ${T}(${weight(t, `j + ${u}u`)});`, ...range(H).map((h) => `      a${t}_${h} = fma(w, dz${u}_${h}, a${t}_${h});`), '    }']),
            ].join('\n'),
          )
          .join('\n');
        return `${head}${stage}
@compute @workgroup_size(${WG})
fn backward_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u,
                  @builtin(local_invocation_index) lane: u32) {
  let k0 = wid.z * ${KT}u;
${range(KT).map((t) => `  let c${t} = min(k0 + ${t}u, K - 1u);`).join('\n')}
${stageCode}
${laneHeader}
${range(KT).flatMap((t) => range(H).map((h) => `  var a${t}_${h} = ${T}(0.0);`)).join('\n')}
  for (var j = 0u; j < J; j += ${U}u) {
${body}
  }
${range(KT)
  .map((t) => `  if (k0 + ${t}u < K) {\n${range(H).map((h) => `    out[${at(`k0 + ${t}u`, 'xs', h)}] = a${t}_${h};`).join('\n')}\n  }`)
  .join('\n')}
}`;
      }
      // backward_weights: lanes stride over the batch in steps of V samples (H values of T).
      const L = o.reduceLanes;
      const TK = o.weightTileK;
      const TJ = o.weightTileJ;
      const tilesJ = Math.ceil(J / TJ);
      const hsum = (v: string) => (V === 1 ? v : `dot(${v}, vec4f(1.0))`);
      return `${head}
var<workgroup> partial: array<f32, ${L * TK * TJ}>;
@compute @workgroup_size(${L})
fn backward_weights(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let tile = wid.x;
  let k0 = (tile / ${tilesJ}u) * ${TK}u;
  let j0 = (tile % ${tilesJ}u) * ${TJ}u;
  let xs = dims.stride_in / ${V / H}u;
  let os = dims.stride_out / ${V / H}u;
${range(TJ).map((t) => `  let cj${t} = min(j0 + ${t}u, J - 1u) * os;`).join('\n')}
${range(TK).map((s) => `  let ck${s} = min(k0 + ${s}u, K - 1u) * xs;\n  let in${s} = k0 + ${s}u < K;`).join('\n')}
${range(TK)
  .flatMap((s) => range(TJ).map((t) => `  var a${s}_${t} = ${T}(0.0);`))
  .join('\n')}
  let lanes = (dims.batch + ${V - 1}u) / ${V}u;
  for (var q = lane; q < lanes; q += ${L}u) {
${range(H)
  .map(
    (h) =>
      range(TJ).map((t) => `    let dz${t}_${h} = dy[cj${t} + q * ${H}u + ${h}u] * activation_grad(y[cj${t} + q * ${H}u + ${h}u]);`).join('\n') +
      '\n' +
      range(TK)
        .map(
          (s) =>
            `    let x${s}_${h} = select(${T}(1.0), x[ck${s} + q * ${H}u + ${h}u], in${s});\n` +
            range(TJ)
              .map((t) => `    a${s}_${t} = fma(x${s}_${h}, dz${t}_${h}, a${s}_${t});`)
              .join('\n'),
        )
        .join('\n'),
  )
  .join('\n')}
  }
${range(TK)
  .flatMap((s) => range(TJ).map((t) => `  partial[lane * ${TK * TJ}u + ${s * TJ + t}u] = ${hsum(`a${s}_${t}`)};`))
  .join('\n')}
${weightTileReduceWgsl(L, TK, TJ)}
}`;
    },
  };
}

