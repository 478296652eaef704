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

/**
 * The categorical library for one or more heads (discrete: [n]; multi-discrete: nvec), over the concatenated
 * logits z of A = Σ n_h entries; head h owns z[start_h .. start_h + n_h). log π(a) = Σ_h log p(a_h) and
 * H = Σ_h H_h. An action mask enters as logits set to MASKED_LOGIT (categorical_apply_mask): their probability is
 * exactly 0, so they are never sampled nor chosen, and every term above (and its gradient) is 0 for them.
 *
 *   categorical_log_softmax(z, logp)        per head
 *   categorical_apply_mask(z, mask)         masked logits (mask 0) become MASKED_LOGIT
 *   categorical_mask_valid(mask)            every head allows at least one choice
 *   categorical_head_sample_<h>(logp, u)    head h's index for one uniform u (inverse CDF over the allowed actions)
 *   categorical_head_argmax_<h>(z)          head h's mode (the largest logit: masked ones never win)
 *   categorical_head_entropy_<h>(logp)      H_h (dH_h/dz_j = -p_j (log p_j + H_h) for j in head h)
 *   categorical_entropy(logp)               H = Σ_h H_h
 */
export function categoricalWgsl(heads: number | readonly number[]): string {
  const nvec = typeof heads === 'number' ? [heads] : [...heads];
  const A = nvec.reduce((a, b) => a + b, 0);
  const starts = nvec.map((_, h) => nvec.slice(0, h).reduce((a, b) => a + b, 0));
  const perHead = nvec
    .map((n, h) => {
      const start = starts[h]!;
      const end = start + n;
      return /* wgsl */ `
fn categorical_head_sample_${h}(logp: ptr<function, array<f32, ${A}>>, u: f32) -> u32 {
  var cumulative = 0.0;
  // Rounding can leave u above the last partial sum: then the last allowed action (probability > 0).
  var last = ${start}u;
  for (var a = ${start}u; a < ${end}u; a++) {
    let p = exp((*logp)[a]);
    if (p > 0.0) { last = a; }
    cumulative += p;
    if (u < cumulative) { return a - ${start}u; }
  }
  return last - ${start}u;
}

fn categorical_head_argmax_${h}(z: ptr<function, array<f32, ${A}>>) -> u32 {
  var best = ${start}u;
  for (var a = ${start + 1}u; a < ${end}u; a++) {
    if ((*z)[a] > (*z)[best]) { best = a; }
  }
  return best - ${start}u;
}

fn categorical_head_entropy_${h}(logp: ptr<function, array<f32, ${A}>>) -> f32 {
  var h = 0.0;
  for (var a = ${start}u; a < ${end}u; a++) { h -= exp((*logp)[a]) * (*logp)[a]; }
  return h;
}
`;
    })
    .join('');
  return /* wgsl */ `
const NUM_ACTIONS: u32 = ${A}u;
const CATEGORICAL_HEADS: u32 = ${nvec.length}u;
/** A masked action's logit: exp(MASKED_LOGIT - max) is exactly 0, and 0 x MASKED_LOGIT stays finite. */
const MASKED_LOGIT: f32 = -1e30;

// log-probabilities of the logits z, per head (stable: subtract the head's max first).
fn categorical_log_softmax(z: ptr<function, array<f32, ${A}>>, logp: ptr<function, array<f32, ${A}>>) {
${nvec
  .map((n, h) => {
    const start = starts[h]!;
    const end = start + n;
    return `  {
    var m = (*z)[${start}];
    for (var a = ${start + 1}u; a < ${end}u; a++) { m = max(m, (*z)[a]); }
    var total = 0.0;
    for (var a = ${start}u; a < ${end}u; a++) { total += exp((*z)[a] - m); }
    let lse = m + log(total);
    for (var a = ${start}u; a < ${end}u; a++) { (*logp)[a] = (*z)[a] - lse; }
  }`;
  })
  .join('\n')}
}

// True when every head of the mask allows at least one choice.
fn categorical_mask_valid(mask: ptr<function, array<f32, ${A}>>) -> bool {
  var valid = true;
${nvec
  .map((n, h) => {
    const start = starts[h]!;
    return `  {
    var allowed = false;
    for (var a = ${start}u; a < ${start + n}u; a++) { allowed = allowed || (*mask)[a] > 0.5; }
    valid = valid && allowed;
  }`;
  })
  .join('\n')}
  return valid;
}

// Masked logits (mask[j] = 0) become MASKED_LOGIT.
fn categorical_apply_mask(z: ptr<function, array<f32, ${A}>>, mask: ptr<function, array<f32, ${A}>>) {
  for (var a = 0u; a < ${A}u; a++) { (*z)[a] = select(MASKED_LOGIT, (*z)[a], (*mask)[a] > 0.5); }
}
${perHead}
fn categorical_entropy(logp: ptr<function, array<f32, ${A}>>) -> f32 {
  return ${nvec.map((_, h) => `categorical_head_entropy_${h}(logp)`).join(' + ')};
}
`;
}

/** The first logit of each head (for kernels that generate per-head code). */
export function headStarts(nvec: readonly number[]): number[] {
  return nvec.map((_, h) => nvec.slice(0, h).reduce((a, b) => a + b, 0));
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
