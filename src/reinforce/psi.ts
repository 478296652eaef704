/**
 * REINFORCE's ψ_t, each a read-out of GAE's scan (src/ppo/gae.wgsl.ts) written where PPO's advantages go (ψ) and
 * where its returns go (the critic's target R_t), so that the update that follows is PPO's own:
 *
 *   total_return  w 0, λ 1, ψ_t = R at the first step of t's episode segment = Σ_k γ^k r_k of the segment
 *   reward_to_go  w 0, λ 1, ψ_t = R_t = Σ_{k≥0} γ^k r_{t+k} up to the segment's end
 *   baseline      w 1, λ 1, ψ_t = A_t = R_t - V(s_t), R_t the reward-to-go bootstrapped from V where cut
 *   q_value       w 1, λ 0, ψ_t = R_t = r_t + γ V(s_{t+1})
 *   advantage     w 1, λ,   ψ_t = A_t (GAE(λ))
 *   td_error      w 1, λ 0, ψ_t = A_t = r_t + γ V(s_{t+1}) - V(s_t)
 *
 * A segment is an episode's part inside the rollout. Without a critic (w 0) an episode cut by the rollout's end or
 * by its time limit is cut there: its rewards after the cut are unknown and count as 0. The critic always regresses
 * on R_t; only the ψ with w 1 use it.
 */
import type { Psi } from '../config.js';
import type { GaeReadout } from '../ppo/gae.js';

/** The scan's λ and read-out for one ψ; gaeLambda is used by 'advantage' only. */
export function psiScan(psi: Psi, gaeLambda: number): { lambda: number; readout: GaeReadout } {
  const noCritic = (wholeSegment: boolean) => ({ lambda: 1, readout: { critic: 0, advantagesAreReturns: true, wholeSegment } as const });
  const withCritic = (lambda: number, advantagesAreReturns: boolean) => ({ lambda, readout: { critic: 1, advantagesAreReturns, wholeSegment: false } as const });
  switch (psi) {
    case 'total_return':
      return noCritic(true);
    case 'reward_to_go':
      return noCritic(false);
    case 'baseline':
      return withCritic(1, false);
    case 'q_value':
      return withCritic(0, true);
    case 'advantage':
      return withCritic(gaeLambda, false);
    case 'td_error':
      return withCritic(0, false);
  }
}
