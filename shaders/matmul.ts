/**
 * Dense layer kernels (owner: src/nn/dense.ts). Activations are stored FEATURE-MAJOR: feature f of sample b is at
 * f * stride + b. Weights are row-major W[k][j] (K inputs x J outputs, "X·W") in the flat parameter buffer; biases
 * follow as b[j].
 *
 *   forward:          Y[j][b]  = f( sum_k W[k][j] X[k][b] + bias[j] )                 (tile of JT outputs)
 *   backward_input:   dX[k][b] = sum_j W[k][j] dZ[j][b],  dZ[j][b] = dY[j][b] f'(Y[j][b])  (tile of KT inputs)
 *   backward_weights: dW[k][j] = sum_b X[k][b] dZ[j][b],  db[j] = sum_b dZ[j][b]
 *                     one workgroup per KT x JT tile of [W; b] (bias = an extra input row of ones); each lane
 *                     sums a strided share of the batch, then the lanes' tiles are added in workgroup memory.
 *
 * forward and backward_input are generated code with the tile in registers (named accumulators, no arrays):
 * each invocation takes S = samplesPerLane samples spread a workgroup apart (sample base + i·WG, base =
 * block·WG·S + lane), so neighbouring lanes read neighbouring addresses (coalesced on GPUs, one gather per
 * SIMD group on CPU adapters) and any stride, offset and batch works (loads clamped to the batch, stores
 * guarded). Every weight load then feeds S FMAs and every activation load JT (KT) FMAs. The workgroup's slice
 * of W (and the bias) is staged once in workgroup memory when it fits in STAGE_LIMIT_BYTES: on lavapipe a
 * storage load pays a bounds check that a workgroup-memory load does not. The tile index varies fastest across
 * workgroups, so the tiles of one block of samples run together and find its activations in cache.
 * Measured on lavapipe (bench/cases/mlp.ts, 64 -> 64 layers): 3-4x the GFLOP/s of one sample per invocation.
 *
 * The factor f'(Y) is the derivative of the layer's activation from its stored output (identity: 1), so the
 * backward kernels need no separate elementwise pass.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationWgsl, type Activation } from './activations.js';
import { linearIndexWgsl } from './common.js';

export interface DenseShape {
  inputs: number;
  outputs: number;
  activation: Activation;
}

/** Tile sizes (compile-time). Chosen by measurement: `npx tsx bench/mlp-main.ts` (bench/cases/mlp.ts). */
export interface DenseTiling {
  /** Invocations per workgroup in forward / backward_input. */
  workgroup: number;
  /** Samples per invocation in forward / backward_input, a workgroup apart. */
  samplesPerLane: number;
  /** Outputs per invocation in forward (at most the layer's outputs). */
  forwardTile: number;
  /** Inputs per invocation in backward_input (at most the layer's inputs). */
  inputTile: number;
  /** Stage the workgroup's slice of W in workgroup memory when it fits in STAGE_LIMIT_BYTES. */
  stageWeights: boolean;
  /** Lanes per workgroup in backward_weights. */
  reduceLanes: number;
  /** Tile of [W; b] rows (k) and columns (j) per workgroup in backward_weights. */
  weightTileK: number;
  weightTileJ: number;
}

/**
 * Measured on lavapipe (`npx tsx bench/mlp-main.ts`, 64-64-64 tanh MLP, batch 256 / 4096 / 65536, GFLOP/s against
 * the kernels before this tiling, one sample per invocation): forward 3.7 / 3.9 / 3.8 vs 1.5 / 1.3 / 1.2,
 * dX 3.9 / 3.1 / 3.2 vs 1.7 / 1.4 / 1.2, dW (16 lanes, 8 x 16 tiles) 2.5 / 3.3 / 2.8 vs 1.1 / 2.2 / 1.3.
 * { samplesPerLane: 8, forwardTile: 16, inputTile: 16 } runs forward and dX another ~1.7x faster at 4096 and
 * 65536 samples, but its 128 accumulators take LLVM ~8x longer to compile (about 20 s instead of 2.6 s for this
 * network with an empty shader cache), so it is an option for long runs (MlpRunner's `tiling`), not the default.
 */
export const DEFAULT_TILING: DenseTiling = {
  workgroup: 64,
  samplesPerLane: 4,
  forwardTile: 8,
  inputTile: 8,
  stageWeights: true,
  reduceLanes: 16,
  weightTileK: 8,
  weightTileJ: 16,
};

/**
 * SwiftShader (Chromium's CPU adapter) pays for the workgroup barrier that staging needs: there, weights read from
 * storage ran forward 1.8x and dX 1.5x faster than staged ones (batch 4096), while lavapipe prefers staging.
 */
export const SWIFTSHADER_TILING: DenseTiling = { ...DEFAULT_TILING, stageWeights: false };

/** Workgroup memory a staged weight slice may use: WebGPU's default maxComputeWorkgroupStorageSize. */
export const STAGE_LIMIT_BYTES = 16384;

/** Uniform block shared by the three entry points (u32 x 8). */
export const DENSE_DIMS_WORDS = 8;
export interface DenseDims {
  batch: number;
  /** Row stride of X / dX (the activation buffer's capacity). */
  strideIn: number;
  /** Row stride of Y / dY. */
  strideOut: number;
  /** Offsets in floats into the parameter (and gradient) buffer. */
  weightOffset: number;
  biasOffset: number;
  /** Offsets in floats into the activation buffers. */
  inputOffset: number;
  outputOffset: number;
}

export function packDenseDims(d: DenseDims): Uint32Array<ArrayBuffer> {
  return new Uint32Array([d.batch, d.strideIn, d.strideOut, d.weightOffset, d.biasOffset, d.inputOffset, d.outputOffset, 0]);
}

/** The tiles of a layer: the tiling's, capped at the layer's size (a 3 -> 5 layer needs no 8 x 16 tile). */
export function denseTiles(shape: DenseShape, tiling: DenseTiling) {
  return {
    forwardTile: Math.min(tiling.forwardTile, shape.outputs),
    inputTile: Math.min(tiling.inputTile, shape.inputs),
    weightTileK: Math.min(tiling.weightTileK, shape.inputs + 1),
    weightTileJ: Math.min(tiling.weightTileJ, shape.outputs),
  };
}

/** Workgroup counts of each entry point's tiles. */
export function denseTileCounts(shape: DenseShape, tiling: DenseTiling) {
  const t = denseTiles(shape, tiling);
  return {
    forwardTiles: Math.ceil(shape.outputs / t.forwardTile),
    inputTiles: Math.ceil(shape.inputs / t.inputTile),
    weightTiles: Math.ceil((shape.inputs + 1) / t.weightTileK) * Math.ceil(shape.outputs / t.weightTileJ),
  };
}

export type DenseEntryPoint = 'forward' | 'backward_input' | 'backward_weights';

/**
 * Workgroups of an entry point at a batch: forward and backward_input run (blocks of WG·S samples) x (tiles)
 * workgroups, tile fastest (laid out over x and y by the owner); backward_weights one per tile.
 */
export function denseWorkgroups(shape: DenseShape, tiling: DenseTiling, entryPoint: DenseEntryPoint, batch: number): number {
  const counts = denseTileCounts(shape, tiling);
  if (entryPoint === 'backward_weights') return counts.weightTiles;
  const blocks = Math.ceil(batch / (tiling.workgroup * tiling.samplesPerLane));
  return blocks * (entryPoint === 'forward' ? counts.forwardTiles : counts.inputTiles);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const XYZW = 'xyzw';

/** Workgroup index, tile and this lane's samples b0..b{S-1} (with loads clamped to g0..g{S-1}). */
function laneSamples(WG: number, S: number, tiles: number): { tile: string; samples: string } {
  return {
    tile: `  let flat = wid.x + wid.y * nwg.x;
  let tile = flat % ${tiles}u;`,
    samples: `  let base = (flat / ${tiles}u) * ${WG * S}u + lane;
  if (base >= dims.batch) { return; }
${range(S)
  .map((i) => `  let b${i} = base + ${i * WG}u;\n  let g${i} = min(b${i}, dims.batch - 1u);`)
  .join('\n')}`,
  };
}

function forwardWgsl(K: number, J: number, tiling: DenseTiling): string {
  const WG = tiling.workgroup;
  const S = tiling.samplesPerLane;
  const JT = Math.min(tiling.forwardTile, J);
  const tiles = Math.ceil(J / JT);
  const staged = tiling.stageWeights && (K * JT + JT) * 4 <= STAGE_LIMIT_BYTES;
  const vec = staged && JT % 4 === 0;
  const { tile, samples } = laneSamples(WG, S, tiles);
  const stage = !staged
    ? ''
    : vec
      ? `var<workgroup> ws_f: array<vec4f, ${(K * JT) / 4 + JT / 4}>;  // W[k][j0 + 4c .. 4c + 3] at k * ${JT / 4} + c, then the bias`
      : `var<workgroup> ws_f: array<f32, ${K * JT + JT}>;  // W[k][j0 + t] at k * ${JT} + t, then the bias`;
  const stageCode = !staged
    ? ''
    : vec
      ? `  for (var i = lane; i < ${(K * JT) / 4 + JT / 4}u; i += ${WG}u) {
    let row = select(dims.weight_offset + (i / ${JT / 4}u) * J, dims.bias_offset, i >= ${(K * JT) / 4}u);
    let c = (i % ${JT / 4}u) * 4u;
    ws_f[i] = vec4f(params[row + min(j0 + c, J - 1u)], params[row + min(j0 + c + 1u, J - 1u)],
                  params[row + min(j0 + c + 2u, J - 1u)], params[row + min(j0 + c + 3u, J - 1u)]);
  }
  workgroupBarrier();`
      : `  for (var i = lane; i < ${K * JT + JT}u; i += ${WG}u) {
    let row = select(dims.weight_offset + (i / ${JT}u) * J, dims.bias_offset, i >= ${K * JT}u);
    ws_f[i] = params[row + min(j0 + i % ${JT}u, J - 1u)];
  }
  workgroupBarrier();`;
  const weightLoads = !staged
    ? ['    let row = dims.weight_offset + k * J;']
    : vec
      ? range(JT / 4).map((c) => `    let w${c} = ws_f[k * ${JT / 4}u + ${c}u];`)
      : [];
  const weight = (t: number) => (!staged ? `params[row + c${t}]` : vec ? `w${Math.floor(t / 4)}.${XYZW[t % 4]}` : `ws_f[k * ${JT}u + ${t}u]`);
  const bias = (t: number) =>
    !staged ? `params[dims.bias_offset + c${t}]` : vec ? `ws_f[${(K * JT) / 4 + Math.floor(t / 4)}u].${XYZW[t % 4]}` : `ws_f[${K * JT + t}u]`;
  return `${stage}
// Y = f(X·W + b) for ${S} samples and ${JT} consecutive outputs per invocation.
@compute @workgroup_size(${WG})
fn forward(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
${tile}
  let j0 = tile * ${JT}u;
${range(JT).map((t) => `  let c${t} = min(j0 + ${t}u, J - 1u);`).join('\n')}
${stageCode}
${samples}
${range(JT).map((t) => `  var a${t}_0 = ${bias(t)};\n${range(S - 1).map((i) => `  var a${t}_${i + 1} = a${t}_0;`).join('\n')}`).join('\n')}
  for (var k = 0u; k < K; k++) {
    let xrow = dims.input_offset + k * dims.stride_in;
${range(S).map((i) => `    let x${i} = x[xrow + g${i}];`).join('\n')}
${weightLoads.join('\n')}
${range(JT).map((t) => `    { let w = ${weight(t)};${range(S).map((i) => ` a${t}_${i} = fma(w, x${i}, a${t}_${i});`).join('')} }`).join('\n')}
  }
${range(JT)
  .map((t) => `  if (j0 + ${t}u < J) {\n    let orow = dims.output_offset + (j0 + ${t}u) * dims.stride_out;\n${range(S).map((i) => `    if (b${i} < dims.batch) { out[orow + b${i}] = activate(a${t}_${i}); }`).join('\n')}\n  }`)
  .join('\n')}
}
`;
}

function backwardInputWgsl(K: number, J: number, tiling: DenseTiling): string {
  const WG = tiling.workgroup;
  const S = tiling.samplesPerLane;
  const KT = Math.min(tiling.inputTile, K);
  const tiles = Math.ceil(K / KT);
  const staged = tiling.stageWeights && KT * J * 4 <= STAGE_LIMIT_BYTES;
  const { tile, samples } = laneSamples(WG, S, tiles);
  const stage = staged ? `var<workgroup> ws_b: array<f32, ${KT * J}>;  // W[k0 + t][j] at j * ${KT} + t` : '';
  const stageCode = staged
    ? `  for (var i = lane; i < ${KT * J}u; i += ${WG}u) {
    ws_b[i] = params[dims.weight_offset + min(k0 + i % ${KT}u, K - 1u) * J + i / ${KT}u];
  }
  workgroupBarrier();`
    : '';
  const weight = (t: number) => (staged ? `ws_b[j * ${KT}u + ${t}u]` : `params[dims.weight_offset + c${t} * J + j]`);
  return `${stage}
// dX = (dY ⊙ f'(Y)) · Wᵀ for ${S} samples and ${KT} consecutive inputs per invocation.
@compute @workgroup_size(${WG})
fn backward_input(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
${tile}
  let k0 = tile * ${KT}u;
${range(KT).map((t) => `  let c${t} = min(k0 + ${t}u, K - 1u);`).join('\n')}
${stageCode}
${samples}
${range(KT).flatMap((t) => range(S).map((i) => `  var a${t}_${i} = 0.0;`)).join('\n')}
  for (var j = 0u; j < J; j++) {
    let orow = dims.output_offset + j * dims.stride_out;
${range(S).map((i) => `    let dz${i} = dy[orow + g${i}] * activation_grad(y[orow + g${i}]);`).join('\n')}
${range(KT).map((t) => `    { let w = ${weight(t)};${range(S).map((i) => ` a${t}_${i} = fma(w, dz${i}, a${t}_${i});`).join('')} }`).join('\n')}
  }
${range(KT)
  .map((t) => `  if (k0 + ${t}u < K) {\n    let irow = dims.input_offset + (k0 + ${t}u) * dims.stride_in;\n${range(S).map((i) => `    if (b${i} < dims.batch) { out[irow + b${i}] = a${t}_${i}; }`).join('\n')}\n  }`)
  .join('\n')}
}
`;
}

/**
 * What every dense-layer module shares (the engine's and the benchmark's variants): the activation, K and J, the
 * Dims uniform, and the bindings 0 dims (uniform), 1 params (read), 2 x (read), 3 y (read: the layer output, for
 * f'), 4 dy (read), 5 out (read_write: y in forward, dX in backward_input, gradients in backward_weights).
 */
export function denseHeaderWgsl(shape: DenseShape): string {
  return `${activationWgsl(shape.activation)}
${linearIndexWgsl}
const K: u32 = ${shape.inputs}u;
const J: u32 = ${shape.outputs}u;
struct Dims {
  batch: u32, stride_in: u32, stride_out: u32, weight_offset: u32,
  bias_offset: u32, input_offset: u32, output_offset: u32, unused: u32,
}
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;`;
}

/**
 * The end of a weight-gradient tile: each of the L lanes has left its TK x TJ partial sums in `partial`
 * ([lane][s * TJ + t]); lanes then sum one entry each over all lanes and write dW[k][j] (k < K) or db[j] (k = K).
 */
export function weightTileReduceWgsl(L: number, TK: number, TJ: number): string {
  return `  workgroupBarrier();
  for (var i = lane; i < ${TK * TJ}u; i += ${L}u) {
    var total = 0.0;
    for (var l = 0u; l < ${L}u; l++) {
      total += partial[l * ${TK * TJ}u + i];
    }
    let k = k0 + i / ${TJ}u;
    let j = j0 + i % ${TJ}u;
    if (j < J && k < K) {
      out[dims.weight_offset + k * J + j] = total;
    } else if (j < J && k == K) {
      out[dims.bias_offset + j] = total;
    }
  }`;
}

/**
 * [dW; db] = [X; 1]ᵀ · dZ (dZ = dY ⊙ f'(Y)) for one TK x TJ tile per workgroup of L lanes; the lanes stride over the
 * batch one sample at a time and reduce through workgroup memory. Tiles are numbered k-tile-major on grid x.
 * 'unrolled' (the engine's) writes the tile's loops out so the accumulators are indexed by constants only; 'loops'
 * keeps them as loops (the code before that change, for the benchmark's "before" row). lavapipe's LLVM unrolls the
 * loops itself; SwiftShader ran the loop version several times slower (7x at batch 4096), as if it kept the
 * accumulators in memory.
 */
export function backwardWeightsWgsl(J: number, L: number, TK: number, TJ: number, style: 'unrolled' | 'loops' = 'unrolled'): string {
  const tilesJ = Math.ceil(J / TJ);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const accumulate =
    style === 'loops'
      ? `    var dz: array<f32, ${TJ}>;
    for (var t = 0u; t < ${TJ}u; t++) {
      let at = dims.output_offset + min(j0 + t, J - 1u) * dims.stride_out + b;
      dz[t] = dy[at] * activation_grad(y[at]);
    }
    for (var s = 0u; s < ${TK}u; s++) {
      let k = k0 + s;
      let xk = select(1.0, x[dims.input_offset + min(k, K - 1u) * dims.stride_in + b], k < K);
      for (var t = 0u; t < ${TJ}u; t++) {
        acc[s * ${TJ}u + t] = fma(xk, dz[t], acc[s * ${TJ}u + t]);
      }
    }`
      : [
          ...range(TJ).map(
            (t) =>
              `    let at${t} = dims.output_offset + min(j0 + ${t}u, J - 1u) * dims.stride_out + b;\n    let dz${t} = dy[at${t}] * activation_grad(y[at${t}]);`,
          ),
          ...range(TK).map(
            (s) =>
              `    let x${s} = select(1.0, x[dims.input_offset + min(k0 + ${s}u, K - 1u) * dims.stride_in + b], k0 + ${s}u < K);\n` +
              range(TJ)
                .map((t) => `    acc[${s * TJ + t}] = fma(x${s}, dz${t}, acc[${s * TJ + t}]);`)
                .join('\n'),
          ),
        ].join('\n');
  return `var<workgroup> partial: array<f32, ${L * TK * TJ}>;

// [dW; db] for one ${TK} x ${TJ} tile: row k < K is input k, row K is the bias (input of ones).
@compute @workgroup_size(${L})
fn backward_weights(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let tile = wid.x;
  let k0 = (tile / ${tilesJ}u) * ${TK}u;
  let j0 = (tile % ${tilesJ}u) * ${TJ}u;
  var acc: array<f32, ${TK * TJ}>;
  for (var b = lane; b < dims.batch; b += ${L}u) {
${accumulate}
  }
  for (var i = 0u; i < ${TK * TJ}u; i++) {
    partial[lane * ${TK * TJ}u + i] = acc[i];
  }
${weightTileReduceWgsl(L, TK, TJ)}
}`;
}

/** The engine's dense layer: forward, backward_input and backward_weights for one shape and tiling. */
export function denseWgsl(shape: DenseShape, tiling: DenseTiling): string {
  const { weightTileK: TK, weightTileJ: TJ } = denseTiles(shape, tiling);
  return wgsl/* wgsl */ `
${denseHeaderWgsl(shape)}
${forwardWgsl(shape.inputs, shape.outputs, tiling)}
${backwardInputWgsl(shape.inputs, shape.outputs, tiling)}
${backwardWeightsWgsl(shape.outputs, tiling.reduceLanes, TK, TJ)}
`;
}
