/**
 * What one run of the solve case reports (its CaseResult params): the run's shape, when the trainer's "solved"
 * criterion was met, and the final deterministic evaluation. Shared by the WebGPU runs (solve.ts) and the TF.js
 * baseline's runs (bench/baselines/tfjsJobs.ts), which report the same fields.
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
