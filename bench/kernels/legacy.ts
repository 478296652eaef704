/**
 * The dense-layer kernels of shaders/matmul.ts BEFORE the MLP micro-benchmark (commit cce8535), kept here (bench
 * only) as the "before" row: one sample per invocation, a tile of outputs (inputs) in a private array, weights
 * read from storage, tiles on grid z. backward_weights is the same algorithm the engine still uses.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { backwardWeightsWgsl, denseHeaderWgsl, type DenseShape } from '../../shaders/matmul.js';
import { gridFor } from '../../src/gpu/recorder.js';
import type { LayerVariant } from './layouts.js';

export interface LegacyTiling {
  workgroup: number;
  forwardTile: number;
  inputTile: number;
  reduceLanes: number;
  weightTileK: number;
  weightTileJ: number;
}

/** The engine's DEFAULT_TILING before the benchmark. */
export const LEGACY_TILING: LegacyTiling = { workgroup: 64, forwardTile: 8, inputTile: 8, reduceLanes: 64, weightTileK: 4, weightTileJ: 8 };

export function legacyVariant(tiling: LegacyTiling = LEGACY_TILING, label = 'engine before'): LayerVariant {
  return {
    family: 'legacy',
    label: `${label} wg${tiling.workgroup} jt${tiling.forwardTile} kt${tiling.inputTile} L${tiling.reduceLanes} w${tiling.weightTileK}x${tiling.weightTileJ}`,
    params: { ...tiling },
    layout: 'feature-major',
    roles: ['forward', 'backward_input', 'backward_weights'],
    wgsl: (_role, shape) => legacyDenseWgsl(shape, tiling),
    key: (_role, shape) => `legacyDense:${JSON.stringify(shape)}:${JSON.stringify(tiling)}`,
    grid(role, shape, batch, max) {
      if (role === 'backward_weights') return [Math.ceil((shape.inputs + 1) / tiling.weightTileK) * Math.ceil(shape.outputs / tiling.weightTileJ)];
      const [x, y] = gridFor(batch, tiling.workgroup, max);
      return [x, y, Math.ceil((role === 'forward' ? shape.outputs : shape.inputs) / (role === 'forward' ? tiling.forwardTile : tiling.inputTile))];
    },
  };
}

export function legacyDenseWgsl(shape: DenseShape, tiling: LegacyTiling): string {
  const K = shape.inputs;
  const J = shape.outputs;
  const { workgroup: WG, forwardTile: JT, inputTile: KT, reduceLanes: L, weightTileK: TK, weightTileJ: TJ } = tiling;
  return wgsl/* wgsl */ `
${denseHeaderWgsl(shape)}

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

${backwardWeightsWgsl(J, L, TK, TJ, 'loops')}
`;
}
