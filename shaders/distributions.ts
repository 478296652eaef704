/**
 * Action distributions (a library for the rollout, update and policy kernels).
 *
 * Categorical over n actions, from logits z:
 *   log p_a = z_a - logsumexp(z)            H = -sum_a p_a log p_a
 *   d log p_a / d z_j = [a = j] - p_j       dH/dz_j = -p_j (log p_j + H)
 *   sample: inverse CDF with one uniform u (first a with sum_{b<=a} p_b > u); mode: argmax z.
 *
 * Diagonal Gaussian with state-independent log-std s (CleanRL's actor_logstd), mean mu:
 *   log p(a) = sum_d [ -(a_d - mu_d)² / (2 e^{2 s_d}) - s_d - ½ log 2π ]
 *   d/d mu_d = (a_d - mu_d) e^{-2 s_d}       d/d s_d = (a_d - mu_d)² e^{-2 s_d} - 1
 *   H = sum_d (s_d + ½ + ½ log 2π)           dH/d s_d = 1
 *   sample: mu + e^{s} ε, ε ~ N(0, 1); mode: mu.
 *
 * Exact KL(old || new), for PPO-Penalty:
 *   categorical: sum_a p_old,a (log p_old,a - log p_new,a);  d/dz_new,j = p_new,j - p_old,j
 *   Gaussian:    sum_d [ s_n - s_o + (e^{2 s_o} + (mu_o - mu_n)²) / (2 e^{2 s_n}) - ½ ]
 *                d/d mu_n = (mu_n - mu_o) e^{-2 s_n};   d/d s_n = 1 - (e^{2 s_o} + (mu_o - mu_n)²) e^{-2 s_n}
 */

export const HALF_LOG_TWO_PI = 0.9189385332046727;

export function categoricalWgsl(n: number): string {
  return /* wgsl */ `
const NUM_ACTIONS: u32 = ${n}u;

// log-probabilities of the logits z (stable: subtract the max first).
fn categorical_log_softmax(z: ptr<function, array<f32, ${n}>>, logp: ptr<function, array<f32, ${n}>>) {
  var m = (*z)[0];
  for (var a = 1u; a < ${n}u; a++) { m = max(m, (*z)[a]); }
  var total = 0.0;
  for (var a = 0u; a < ${n}u; a++) { total += exp((*z)[a] - m); }
  let lse = m + log(total);
  for (var a = 0u; a < ${n}u; a++) { (*logp)[a] = (*z)[a] - lse; }
}

fn categorical_sample(logp: ptr<function, array<f32, ${n}>>, u: f32) -> u32 {
  var cumulative = 0.0;
  for (var a = 0u; a < ${n - 1}u; a++) {
    cumulative += exp((*logp)[a]);
    if (u < cumulative) { return a; }
  }
  return ${n - 1}u;
}

fn categorical_argmax(z: ptr<function, array<f32, ${n}>>) -> u32 {
  var best = 0u;
  for (var a = 1u; a < ${n}u; a++) {
    if ((*z)[a] > (*z)[best]) { best = a; }
  }
  return best;
}

fn categorical_entropy(logp: ptr<function, array<f32, ${n}>>) -> f32 {
  var h = 0.0;
  for (var a = 0u; a < ${n}u; a++) { h -= exp((*logp)[a]) * (*logp)[a]; }
  return h;
}
`;
}

export function gaussianWgsl(size: number): string {
  return /* wgsl */ `
const ACTION_SIZE: u32 = ${size}u;
const HALF_LOG_TWO_PI: f32 = ${HALF_LOG_TWO_PI};

fn gaussian_log_prob(a: ptr<function, array<f32, ${size}>>, mean: ptr<function, array<f32, ${size}>>, logstd: ptr<function, array<f32, ${size}>>) -> f32 {
  var lp = 0.0;
  for (var d = 0u; d < ${size}u; d++) {
    let u = ((*a)[d] - (*mean)[d]) * exp(-(*logstd)[d]);
    lp += -0.5 * u * u - (*logstd)[d] - HALF_LOG_TWO_PI;
  }
  return lp;
}

fn gaussian_entropy(logstd: ptr<function, array<f32, ${size}>>) -> f32 {
  var h = 0.0;
  for (var d = 0u; d < ${size}u; d++) { h += (*logstd)[d] + 0.5 + HALF_LOG_TWO_PI; }
  return h;
}
`;
}

/** `categorical_kl(old_logp, logp)`: KL(old || new) = sum_a p_old,a (log p_old,a - log p_new,a), from log-probabilities. */
export function categoricalKlWgsl(n: number): string {
  return /* wgsl */ `
fn categorical_kl(old_logp: ptr<function, array<f32, ${n}>>, logp: ptr<function, array<f32, ${n}>>) -> f32 {
  var kl = 0.0;
  for (var a = 0u; a < ${n}u; a++) { kl += exp((*old_logp)[a]) * ((*old_logp)[a] - (*logp)[a]); }
  return kl;
}
`;
}

/**
 * `gaussian_kl(old_mean, old_logstd, mean, logstd)`: KL(old || new) of diagonal Gaussians,
 * sum_d [ s_n - s_o + (e^{2 s_o} + (mu_o - mu_n)²) / (2 e^{2 s_n}) - ½ ].
 */
export function gaussianKlWgsl(size: number): string {
  return /* wgsl */ `
fn gaussian_kl(old_mean: ptr<function, array<f32, ${size}>>, old_logstd: ptr<function, array<f32, ${size}>>, mean: ptr<function, array<f32, ${size}>>, logstd: ptr<function, array<f32, ${size}>>) -> f32 {
  var kl = 0.0;
  for (var d = 0u; d < ${size}u; d++) {
    let gap = (*old_mean)[d] - (*mean)[d];
    let spread = exp(2.0 * (*old_logstd)[d]) + gap * gap;
    kl += (*logstd)[d] - (*old_logstd)[d] + 0.5 * spread * exp(-2.0 * (*logstd)[d]) - 0.5;
  }
  return kl;
}
`;
}
