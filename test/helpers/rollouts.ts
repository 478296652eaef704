/** Seeded random rollout tails for the scans (GAE, REINFORCE's ψ): rewards, values, dones and bootstraps. */
import { randomArray, seededRandom } from './random.js';

/**
 * N environments x T steps, time-major; about 10% of steps terminated, 10% truncated and 3% both (Gymnasium's
 * TimeLimit can set both), so that episodes end inside the rollout and are cut by its end.
 */
export function randomScanInput(N: number, T: number, seed: number) {
  const random = seededRandom(seed);
  const M = N * T;
  const terminated = new Uint8Array(M);
  const truncated = new Uint8Array(M);
  for (let s = 0; s < M; s++) {
    const u = random();
    terminated[s] = u < 0.1 || u > 0.97 ? 1 : 0;
    truncated[s] = (u >= 0.1 && u < 0.2) || u > 0.97 ? 1 : 0;
  }
  return {
    rewards: randomArray(random, M, -1, 2),
    values: randomArray(random, M, -5, 5),
    terminated,
    truncated,
    finalValues: randomArray(random, M, -5, 5),
    lastValues: randomArray(random, N, -5, 5),
    numEnvs: N,
    gamma: 0.99,
    lambda: 0.95,
  };
}
