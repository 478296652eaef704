/**
 * Float64 reference of REINFORCE's ψ_t, written from the definitions episode segment by segment (not as the GPU's
 * reverse scan). A segment [a, b] of environment n is a maximal run of its steps inside the rollout that ends at a
 * termination, a truncation or the rollout's last step. Its bootstrap value B is 0 after a termination, V(final
 * observation) after a truncation and V(s_T) after the rollout's last step; without a critic B = 0.
 *
 *   total_return  ψ_t = Σ_{k=a..b} γ^{k-a} r_k                                   target = reward-to-go
 *   reward_to_go  ψ_t = Σ_{k=t..b} γ^{k-t} r_k                                   target = ψ_t
 *   baseline      G_t = Σ_{k=t..b} γ^{k-t} r_k + γ^{b-t+1} B,  ψ_t = G_t - V_t     target = G_t
 *   q_value       ψ_t = r_t + γ V'_t  (V'_t = V_{t+1} inside the segment, B at b)   target = ψ_t
 *   td_error      ψ_t = r_t + γ V'_t - V_t                                       target = r_t + γ V'_t
 *   advantage     ψ_t = Σ_{k=t..b} (γλ)^{k-t} δ_k, δ_k = r_k + γ V'_k - V_k        target = ψ_t + V_t
 */
import type { Psi } from '../src/config.js';
import type { ScanInput } from './ppo.js';

export function psiReference(psi: Psi, input: ScanInput): { psi: Float64Array; targets: Float64Array } {
  const { numEnvs: N, gamma, lambda } = input;
  const T = input.rewards.length / N;
  const out = new Float64Array(T * N);
  const targets = new Float64Array(T * N);
  const critic = psi !== 'total_return' && psi !== 'reward_to_go';
  const at = (t: number, n: number) => t * N + n;
  for (let n = 0; n < N; n++) {
    let a = 0;
    while (a < T) {
      let b = a;
      while (b < T - 1 && !input.terminated[at(b, n)] && !input.truncated[at(b, n)]) b++;
      const last = at(b, n);
      const bootstrap = !critic || input.terminated[last] ? 0 : input.truncated[last] ? input.finalValues[last]! : b === T - 1 ? input.lastValues[n]! : 0;
      const r = (k: number) => input.rewards[at(k, n)]!;
      const v = (k: number) => input.values[at(k, n)]!;
      const nextValue = (k: number) => (k < b ? v(k + 1) : bootstrap);
      const rewardToGo = (t: number) => {
        let sum = 0;
        for (let k = b; k >= t; k--) sum = r(k) + gamma * sum;
        return sum;
      };
      for (let t = a; t <= b; t++) {
        const s = at(t, n);
        switch (psi) {
          case 'total_return':
            out[s] = rewardToGo(a);
            targets[s] = rewardToGo(t);
            break;
          case 'reward_to_go':
            out[s] = targets[s] = rewardToGo(t);
            break;
          case 'baseline':
            targets[s] = rewardToGo(t) + gamma ** (b - t + 1) * bootstrap;
            out[s] = targets[s] - v(t);
            break;
          case 'q_value':
            out[s] = targets[s] = r(t) + gamma * nextValue(t);
            break;
          case 'td_error':
            targets[s] = r(t) + gamma * nextValue(t);
            out[s] = targets[s] - v(t);
            break;
          case 'advantage': {
            let sum = 0;
            for (let k = b; k >= t; k--) sum = r(k) + gamma * nextValue(k) - v(k) + gamma * lambda * sum;
            out[s] = sum;
            targets[s] = sum + v(t);
            break;
          }
        }
      }
      a = b + 1;
    }
  }
  return { psi: out, targets };
}
