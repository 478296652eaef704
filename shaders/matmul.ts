/**
 * Dense layer kernels (owner: src/nn/dense.ts). Activations are stored FEATURE-MAJOR: feature f of sample b is at
 * f * stride + b. Consecutive invocations take consecutive samples, so their loads of an activation are
 * contiguous (vector loads on CPU adapters, coalesced on GPUs) and their loads of a weight are the same address
 * (one scalar load, broadcast). Weights are row-major W[k][j] (K inputs x J outputs, "X·W") in the flat
 * parameter buffer; biases follow as b[j].
 *
 *   forward:          Y[j][b]  = f( sum_k W[k][j] X[k][b] + bias[j] )                 (tile of JT outputs)
 *   backward_input:   dX[k][b] = sum_j W[k][j] dZ[j][b],  dZ[j][b] = dY[j][b] f'(Y[j][b])  (tile of KT inputs)
 *   backward_weights: dW[k][j] = sum_b X[k][b] dZ[j][b],  db[j] = sum_b dZ[j][b]
 *                     one workgroup per KT x JT tile of [W; b] (bias = an extra input row of ones); each lane
 *                     sums a strided share of the batch, then the lanes' tiles are added in workgroup memory.
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

/** Tile sizes (compile-time). Chosen by measurement in bench/ (see the notes there). */
export interface DenseTiling {
  /** Samples per workgroup in forward / backward_input. */
  workgroup: number;
  /** Outputs per invocation in forward. */
  forwardTile: number;
  /** Inputs per invocation in backward_input. */
  inputTile: number;
  /** Lanes per workgroup in backward_weights. */
  reduceLanes: number;
  /** Tile of [W; b] rows (k) and columns (j) per workgroup in backward_weights. */
  weightTileK: number;
  weightTileJ: number;
}

export const DEFAULT_TILING: DenseTiling = {
  workgroup: 64,
  forwardTile: 8,
  inputTile: 8,
  reduceLanes: 64,
  weightTileK: 4,
  weightTileJ: 8,
};

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

/** Workgroups per dispatch for each entry point: [x, y] over samples, z over tiles. */
export function denseTileCounts(shape: DenseShape, tiling: DenseTiling) {
  return {
    forwardTiles: Math.ceil(shape.outputs / tiling.forwardTile),
    inputTiles: Math.ceil(shape.inputs / tiling.inputTile),
    weightTiles: Math.ceil((shape.inputs + 1) / tiling.weightTileK) * Math.ceil(shape.outputs / tiling.weightTileJ),
  };
}

/**
 * Bindings: 0 dims (uniform), 1 params (read), 2 x (read), 3 y (read: the layer output, for f'), 4 dy (read),
 * 5 out (read_write: y in forward, dX in backward_input, gradients in backward_weights).
 */
export function denseWgsl(shape: DenseShape, tiling: DenseTiling): string {
  const K = shape.inputs;
  const J = shape.outputs;
  const { workgroup: WG, forwardTile: JT, inputTile: KT, reduceLanes: L, weightTileK: TK, weightTileJ: TJ } = tiling;
  const tilesJ = Math.ceil(J / TJ);
  return wgsl/* wgsl */ `
${activationWgsl(shape.activation)}
${linearIndexWgsl}
const K: u32 = ${K}u;
const J: u32 = ${J}u;
struct Dims {
  batch: u32, stride_in: u32, stride_out: u32, weight_offset: u32,
  bias_offset: u32, input_offset: u32, output_offset: u32, unused: u32,
}
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

// Y = f(X·W + b) for one sample and ${JT} consecutive outputs.
@compute @workgroup_size(${WG})
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let b = linear_index(vec3u(gid.x, gid.y, 0u), nwg, ${WG}u);
  let j0 = wid.z * ${JT}u;
  if (b >= dims.batch) { return; }
  var acc: array<f32, ${JT}>;
  for (var t = 0u; t < ${JT}u; t++) {
    acc[t] = params[dims.bias_offset + min(j0 + t, J - 1u)];
  }
  for (var k = 0u; k < K; k++) {
    let xk = x[dims.input_offset + k * dims.stride_in + b];
    let row = dims.weight_offset + k * J;
    for (var t = 0u; t < ${JT}u; t++) {
      acc[t] = fma(params[row + min(j0 + t, J - 1u)], xk, acc[t]);
    }
  }
  for (var t = 0u; t < ${JT}u; t++) {
    if (j0 + t < J) {
      out[dims.output_offset + (j0 + t) * dims.stride_out + b] = activate(acc[t]);
    }
  }
}

// dX = (dY ⊙ f'(Y)) · Wᵀ for one sample and ${KT} consecutive inputs.
@compute @workgroup_size(${WG})
fn backward_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let b = linear_index(vec3u(gid.x, gid.y, 0u), nwg, ${WG}u);
  let k0 = wid.z * ${KT}u;
  if (b >= dims.batch) { return; }
  var acc: array<f32, ${KT}>;
  for (var j = 0u; j < J; j++) {
    let at = dims.output_offset + j * dims.stride_out + b;
    let dz = dy[at] * activation_grad(y[at]);
    for (var t = 0u; t < ${KT}u; t++) {
      acc[t] = fma(params[dims.weight_offset + min(k0 + t, K - 1u) * J + j], dz, acc[t]);
    }
  }
  for (var t = 0u; t < ${KT}u; t++) {
    if (k0 + t < K) {
      out[dims.input_offset + (k0 + t) * dims.stride_in + b] = acc[t];
    }
  }
}

var<workgroup> partial: array<f32, ${L * TK * TJ}>;

// [dW; db] for one ${TK} x ${TJ} tile: row k < K is input k, row K is the bias (input of ones).
@compute @workgroup_size(${L})
fn backward_weights(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let tile = wid.x;
  let k0 = (tile / ${tilesJ}u) * ${TK}u;
  let j0 = (tile % ${tilesJ}u) * ${TJ}u;
  var acc: array<f32, ${TK * TJ}>;
  for (var b = lane; b < dims.batch; b += ${L}u) {
    var dz: array<f32, ${TJ}>;
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
    }
  }
  for (var i = 0u; i < ${TK * TJ}u; i++) {
    partial[lane * ${TK * TJ}u + i] = acc[i];
  }
  workgroupBarrier();
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
  }
}
`;
}
