/**
 * Mean-squared-error loss for regression (owner: src/nn/regressor.ts), over a feature-major prediction
 * Y [J][stride] and target T [J][stride], first `batch` samples:
 *   L = 1/(B·J) · sum_{j,b} (Y[j][b] - T[j][b])²
 *   dL/dY[j][b] = 2 (Y[j][b] - T[j][b]) / (B·J)       (written feature-major, the MLP's outputGrad)
 *   terms[j·B + b] = (Y - T)² / (B·J)                   (compact; their sum is L, reduced by the caller)
 */
import { linearIndexWgsl } from './common.js';

export const REGRESSION_WORKGROUP = 256;

/** Bindings: 0 dims { batch, stride, outputs }, 1 prediction (read), 2 target (read), 3 grad (rw), 4 terms (rw). */
export function mseWgsl(): string {
  const WG = REGRESSION_WORKGROUP;
  return /* wgsl */ `
${linearIndexWgsl}
struct Dims { batch: u32, stride: u32, outputs: u32, unused: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> prediction: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(${WG})
fn mse(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, ${WG}u);
  if (i >= dims.batch * dims.outputs) { return; }
  let j = i / dims.batch;
  let b = i % dims.batch;
  let at = j * dims.stride + b;
  let scale = 1.0 / f32(dims.batch * dims.outputs);
  let diff = prediction[at] - targets[at];
  grad[at] = 2.0 * diff * scale;
  terms[i] = diff * diff * scale;
}
`;
}
