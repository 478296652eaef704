/**
 * The policy-gradient family that the comparison page trains side by side, from REINFORCE to PPO: one entry per
 * run, each an algorithm of the engine (and REINFORCE's ψ), a label, and the estimator its update follows as the
 * engine's sources state it (src/config.ts, src/reinforce/psi.ts, src/ppo/ppo.ts). Adding an algorithm to the
 * page is adding its entry here.
 *
 * Estimators are written in the small markup of maths.ts: `x_t`, `x_{t+1}`, `γ^{t′−t}`. T is num_steps, the
 * rollout's length, which ends A2C's n-step returns.
 */
import type { Algo, Psi } from '../../src/index.js';

export interface FamilyMember {
  algo: Algo;
  /** REINFORCE's weight ψ_t of each log-probability's gradient. */
  psi?: Psi;
  label: string;
  /** The update's estimator (maths.ts markup). */
  estimator: string;
}

/** a_t given s_t, held on one line (narrow no-break spaces around ∣). */
const GIVEN = 'a_t\u202F∣\u202Fs_t';

/** ∇J with ψ_t in place: REINFORCE's estimator for one ψ. */
const policyGradient = (psi: string) => `∇J = 𝔼[Σ_t ${psi} ∇log π(${GIVEN})]`;

export const FAMILY: readonly FamilyMember[] = [
  { algo: 'reinforce', psi: 'total_return', label: 'REINFORCE: total return', estimator: policyGradient('R(τ)') },
  { algo: 'reinforce', psi: 'reward_to_go', label: 'REINFORCE: reward-to-go', estimator: policyGradient('Σ_{t′≥t} γ^{t′−t} r_{t′}') },
  {
    algo: 'reinforce',
    psi: 'baseline',
    label: 'REINFORCE: reward-to-go − baseline',
    estimator: policyGradient('(Σ_{t′≥t} γ^{t′−t} r_{t′} − V(s_t))'),
  },
  { algo: 'reinforce', psi: 'q_value', label: 'REINFORCE: Q-value', estimator: `${policyGradient('Q(s_t, a_t)')}, Q(s_t, a_t) ≈ r_t + γV(s_{t+1})` },
  {
    algo: 'reinforce',
    psi: 'advantage',
    label: 'REINFORCE: GAE(γ, λ) advantage',
    estimator: `${policyGradient('Â_t')}, Â_t = Σ_{l≥0} (γλ)^l δ_{t+l}, δ_t = r_t + γV(s_{t+1}) − V(s_t)`,
  },
  { algo: 'reinforce', psi: 'td_error', label: 'REINFORCE: TD error', estimator: `${policyGradient('δ_t')}, δ_t = r_t + γV(s_{t+1}) − V(s_t)` },
  {
    algo: 'a2c',
    label: 'A2C: n-step advantage',
    estimator: `${policyGradient('Â_t')}, Â_t = Σ_{k<n} γ^k r_{t+k} + γ^n V(s_{t+n}) − V(s_t), n = T − t`,
  },
  {
    algo: 'trpo',
    label: 'TRPO',
    estimator: `max_θ 𝔼[r_t(θ) Â_t] subject to 𝔼[KL(π_{old} ‖ π_θ)] ≤ δ: θ ← θ_{old} + α √(2δ / xᵀFx) x, x ≈ F^{−1}∇L by conjugate gradient`,
  },
  {
    algo: 'ppo-penalty',
    label: 'PPO-Penalty',
    estimator: `L = 𝔼[r_t(θ) Â_t − β KL(π_{old} ‖ π_θ)], r_t(θ) = π_θ(${GIVEN}) / π_{old}(${GIVEN}); β ×2 when KL > 1.5 d_{targ}, ÷2 when KL < d_{targ} / 1.5`,
  },
  { algo: 'ppo', label: 'PPO-Clip', estimator: 'L = 𝔼[min(r_t(θ) Â_t, clip(r_t(θ), 1−ε, 1+ε) Â_t)]' },
];

/** The member's name in URLs (`?family=reinforce:baseline,a2c,ppo`): its algorithm, and its ψ after a colon. */
export function memberKey(member: FamilyMember): string {
  return member.psi ? `${member.algo}:${member.psi}` : member.algo;
}

/**
 * The members a comma-separated list of keys names, in the table's order; the whole family for null or an empty
 * list. An unknown key is an error that lists the known ones.
 */
export function selectFamily(list: string | null): FamilyMember[] {
  const keys = (list ?? '').split(',').map((key) => key.trim()).filter((key) => key !== '');
  if (keys.length === 0) return [...FAMILY];
  const known = FAMILY.map(memberKey);
  const unknown = keys.filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new RangeError(`no family member ${unknown.map((key) => `'${key}'`).join(', ')}; known: ${known.join(', ')}`);
  return FAMILY.filter((member) => keys.includes(memberKey(member)));
}
