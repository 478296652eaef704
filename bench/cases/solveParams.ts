/**
 * What one run of the solve case reports (its CaseResult params): the run's shape, when the trainer's "solved"
 * criterion was met, and the final deterministic evaluation (bench/cases/solve.ts).
 */
export interface SolveParams {
  env: string;
  runner: string;
  seed?: number;
  numEnvs: number;
  numSteps: number;
  totalSteps: number;
  rewardThreshold: number | null;
  solvedAtStep: number | null;
  secondsToSolve: number | null;
  finalRecentReturn: number | null;
  evalMean: number;
  evalStd: number;
  evalEpisodes: number;
  sps: number;
  [key: string]: unknown;
}
