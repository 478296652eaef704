/**
 * Elo ratings of self-play, as Unity ML-Agents' GhostController computes them: for a game of a player rated R
 * against an opponent rated R_opp with result s (1 win, 0.5 draw, 0 loss),
 *
 *   E = 1 / (1 + 10^((R_opp - R) / 400))      (= 10^(R/400) / (10^(R/400) + 10^(R_opp/400)), ML-Agents' form)
 *   change = K (s - E);   R += change;   R_opp -= change          (K = 16, ratings start at 1200)
 *
 * A game's result is the sign of the learner's reward on the episode's last step (ML-Agents' ghost trainer:
 * > 0 win, < 0 loss, otherwise a draw, which includes an episode cut by the time limit).
 */

export const ELO_K = 16;
export const INITIAL_ELO = 1200;

/** The expected score of a player rated `rating` against one rated `opponent`. */
export function expectedScore(rating: number, opponent: number): number {
  return 1 / (1 + 10 ** ((opponent - rating) / 400));
}

/** The learner's rating change for one game with result `result` (1, 0.5 or 0); the opponent's is its negation. */
export function eloChange(rating: number, opponent: number, result: number, k = ELO_K): number {
  return k * (result - expectedScore(rating, opponent));
}

/** A game's result from the learner's last reward of the episode: 1 (> 0), 0 (< 0), else 0.5. */
export function gameResult(lastReward: number): number {
  return lastReward > 0 ? 1 : lastReward < 0 ? 0 : 0.5;
}
