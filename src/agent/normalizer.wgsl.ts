/**
 * Observation and reward normalisation (CleanRL's continuous-control wrappers, Gymnasium's NormalizeObservation,
 * NormalizeReward and the ±10 clips), kept on the GPU. Owner of the merge kernel: src/agent/normalizer.ts; the
 * rollout, policy and evaluation kernels include the library functions.
 *
 * Running statistics (RunningMeanStd, initial mean 0, var 1, count 1e-4), one f32 buffer `norm` of O + 1 triplets
 * (count, mean, var): observation component d at 3d, the discounted return G at 3O.
 *   x_norm = clip((x - mean) / sqrt(var + 1e-8), -clip_obs, clip_obs)
 *   G      = G γ (1 - terminated) + r          (per environment; Gymnasium's discounted return)
 *   r_norm = clip(r / sqrt(var_G + 1e-8), -clip_reward, clip_reward)
 *
 * The statistics are frozen during a rollout (every observation of an iteration is normalised alike, and the
 * stored, normalised observations are exactly what the update replays). Each environment's lane accumulates
 * Welford sums of its raw observations and of G over the rollout; the merge kernel then folds them into the
 * running statistics (Chan et al.'s parallel update), one invocation per dimension.
 */
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const NORM_EPSILON = 1e-8;
export const NORM_INITIAL_COUNT = 1e-4;

/** Floats of the running statistics for observations of size O. */
export function normWords(obsSize: number): number {
  return 3 * (obsSize + 1);
}

/**
 * Per-environment lane accumulators, feature-major [rows][numEnvs]: row 0 count, rows 1..O mean, O+1..2O M2 of the
 * raw observations; row 2O+1 mean, 2O+2 M2 of G (same count); row 2O+3 G itself (persistent across rollouts).
 */
export function laneRows(obsSize: number): number {
  return 2 * obsSize + 4;
}

/**
 * `norm_obs(raw, out)`: normalise an observation with the frozen running statistics. Needs a `norm: array<f32>`
 * binding.
 */
export function normObsWgsl(obsSize: number, clipObs: number): string {
  const O = obsSize;
  return /* wgsl */ `
fn norm_obs(raw: ptr<function, array<f32, ${O}>>, out: ptr<function, array<f32, ${O}>>) {
  for (var f = 0u; f < ${O}u; f++) {
    let scaled = ((*raw)[f] - norm[3u * f + 1u]) / sqrt(norm[3u * f + 2u] + ${NORM_EPSILON});
    (*out)[f] = clamp(scaled, -f32(${clipObs}), f32(${clipObs}));
  }
}
`;
}

/**
 * The lanes of a rollout (needs `norm` and a `lanes: array<f32>` binding):
 *   lane_observe(n, num_envs, raw)       Welford-accumulate a raw observation in lane n
 *   lane_reward(n, num_envs, r, terminated) -> f32   update G, accumulate it, return the normalised reward
 *   lane_clear(n, num_envs)              restart the lane's sums (G is kept)
 */
/** Binding-table entries of a kernel that includes normLanesWgsl: the frozen statistics and the lanes. */
export const normLanesBindings = {
  norm: readOnlyStorage('array<f32>'),
  lanes: storage('array<f32>'),
};

export function normLanesWgsl(obsSize: number, clipReward: number, gamma: number): string {
  const O = obsSize;
  return /* wgsl */ `
const NORM_CLIP_REWARD: f32 = ${clipReward};
const NORM_GAMMA: f32 = ${gamma};

fn lane_clear(n: u32, num_envs: u32) {
  for (var row = 0u; row < ${2 * O + 3}u; row++) { lanes[row * num_envs + n] = 0.0; }
}

fn lane_welford(n: u32, num_envs: u32, mean_row: u32, m2_row: u32, count: f32, x: f32) {
  let mean = lanes[mean_row * num_envs + n];
  let delta = x - mean;
  let next = mean + delta / count;
  lanes[mean_row * num_envs + n] = next;
  lanes[m2_row * num_envs + n] = lanes[m2_row * num_envs + n] + delta * (x - next);
}

fn lane_observe(n: u32, num_envs: u32, raw: ptr<function, array<f32, ${O}>>) {
  let count = lanes[n] + 1.0;
  lanes[n] = count;
  for (var f = 0u; f < ${O}u; f++) {
    lane_welford(n, num_envs, 1u + f, ${1 + O}u + f, count, (*raw)[f]);
  }
}

// Call after lane_observe of the same step (it shares that step's count).
fn lane_reward(n: u32, num_envs: u32, reward: f32, terminated: bool) -> f32 {
  let g = lanes[${2 * O + 3}u * num_envs + n] * NORM_GAMMA * select(1.0, 0.0, terminated) + reward;
  lanes[${2 * O + 3}u * num_envs + n] = g;
  lane_welford(n, num_envs, ${2 * O + 1}u, ${2 * O + 2}u, max(lanes[n], 1.0), g);
  let scaled = reward / sqrt(norm[${3 * O + 2}u] + ${NORM_EPSILON});
  return clamp(scaled, -NORM_CLIP_REWARD, NORM_CLIP_REWARD);
}
`;
}

export const NORM_MERGE_WORKGROUP = 64;

/** The merge's size: the environments whose lanes it folds. */
export const NormMergeDims = uniformStruct('NormMergeDims', { num_envs: 'u32' });

export const normMergeBindings = bindingTable({
  dims: uniform(NormMergeDims),
  lanes: readOnlyStorage('array<f32>'),
  norm: storage('array<f32>'),
});

/**
 * The merge (one invocation per dimension d: the O observation components, then the return): with every lane's
 * count c_n, mean m_n and M2_n,
 *   batch count C = sum c_n, batch mean = sum c_n m_n / C, batch M2 = sum M2_n + sum c_n (m_n - mean)²
 * then Chan's update of the running (count, mean, var) triplet of d with (C, batch mean, batch M2 / C).
 */
export function normMergeWgsl(obsSize: number): string {
  const O = obsSize;
  return /* wgsl */ `
${normMergeBindings.wgsl}
@compute @workgroup_size(${NORM_MERGE_WORKGROUP})
fn merge(@builtin(global_invocation_id) gid: vec3u) {
  let d = gid.x;
  if (d > ${O}u) { return; }
  let mean_row = select(1u + d, ${2 * O + 1}u, d == ${O}u);
  let m2_row = select(${1 + O}u + d, ${2 * O + 2}u, d == ${O}u);
  let n_envs = dims.num_envs;
  var total = 0.0;
  var weighted = 0.0;
  for (var n = 0u; n < n_envs; n++) {
    let c = lanes[n];
    total += c;
    weighted += c * lanes[mean_row * n_envs + n];
  }
  if (total <= 0.0) { return; }
  let batch_mean = weighted / total;
  var m2 = 0.0;
  for (var n = 0u; n < n_envs; n++) {
    let delta = lanes[mean_row * n_envs + n] - batch_mean;
    m2 += lanes[m2_row * n_envs + n] + lanes[n] * delta * delta;
  }
  let count = norm[3u * d];
  let mean = norm[3u * d + 1u];
  let delta = batch_mean - mean;
  let combined = count + total;
  norm[3u * d] = combined;
  norm[3u * d + 1u] = mean + delta * total / combined;
  norm[3u * d + 2u] = (norm[3u * d + 2u] * count + m2 + delta * delta * count * total / combined) / combined;
}
`;
}
