/**
 * What every environment declares: its id, spaces, episode limit and reward threshold (as Gymnasium's registry
 * does), and for GPU environments the WGSL that implements it. The batched runtime objects (GPU and JS) and the
 * trainer are built on these types alone.
 */

export interface DiscreteSpace {
  type: 'discrete';
  /** Actions are the integers 0..n-1. */
  n: number;
}

export interface BoxSpace {
  type: 'box';
  /** Number of action components. */
  size: number;
  low: number[];
  high: number[];
}

/** Several independent choices at once (a move and a button): action i is an integer in 0..nvec[i]-1. */
export interface MultiDiscreteSpace {
  type: 'multiDiscrete';
  nvec: number[];
}

export type ActionSpace = DiscreteSpace | MultiDiscreteSpace | BoxSpace;

/**
 * The categorical heads of a space, [n] for discrete and nvec for multi-discrete (undefined for box): the policy
 * has one softmax over each head's slice of the logits, and log π and H are sums over the heads.
 */
export function categoricalHeads(action: ActionSpace): number[] | undefined {
  return action.type === 'discrete' ? [action.n] : action.type === 'multiDiscrete' ? action.nvec : undefined;
}

export interface EnvSpec {
  /** Gymnasium id, e.g. 'CartPole-v1'. */
  id: string;
  observationSize: number;
  /**
   * The observation's shape where it is more than a flat vector, outermost first (MinAtar's grids: [10, 10, 4] in
   * (y, x, channel) order); the observation is that array flattened row-major, so the product is observationSize.
   */
  observationShape?: number[];
  action: ActionSpace;
  /** TimeLimit: an episode is truncated once it has taken this many steps. */
  maxEpisodeSteps: number;
  /** Mean episode return at which the task counts as solved; null where Gymnasium defines none. */
  rewardThreshold: number | null;
  /**
   * Discrete and multi-discrete spaces: the environment gives an action mask with each observation (1 allowed,
   * 0 not; one entry per logit, the heads' slices in order), from `env_action_mask` (GPU) or `actionMask` (JS).
   */
  actionMask?: boolean;
  /**
   * 2 for a two-player zero-sum game (absent: one player). Each step takes one action per player and gives each
   * player its observation, seen from its own side; the environment's reward is player 0's and player 1's is its
   * negation. Typed-array shapes then have a player axis inside the environment axis: actions [numEnvs x 2],
   * observations [numEnvs x 2 x observationSize], rewards [numEnvs x 2] (see VecEnv). Discrete actions only.
   */
  players?: 2;
}

/** Players of an environment: 1, or 2 for a two-player game. */
export function playersOf(spec: EnvSpec): 1 | 2 {
  return spec.players === 2 ? 2 : 1;
}

/**
 * The spec fields of a definition or spec (a definition's stateSize, WGSL or create left behind): what a VecEnv
 * reports as its spec and what policy and checkpoint files record; observationShape only where it is declared.
 */
export function specOf(spec: EnvSpec): EnvSpec {
  const { id, observationSize, observationShape, action, maxEpisodeSteps, rewardThreshold, actionMask, players } = spec;
  return {
    id,
    observationSize,
    ...(observationShape ? { observationShape } : {}),
    action,
    maxEpisodeSteps,
    rewardThreshold,
    ...(actionMask ? { actionMask } : {}),
    ...(players === 2 ? { players } : {}),
  };
}

/**
 * A GPU environment: the spec plus WGSL implementing one environment instance. The engine composes the code into
 * its batched kernels (the typed-array `VecEnv` step and the trainer's fused rollout); see src/envs/compose.ts for
 * the exact prelude the code is compiled after and the signatures it must define.
 */
export interface GpuEnvDefinition extends EnvSpec {
  /** Floats of state per environment instance (Gymnasium's own state layout for the built-ins). */
  stateSize: number;
  /** Names of the state components, for error messages and docs (length stateSize). */
  stateNames?: string[];
  wgsl: string;
}

/**
 * Result of one batched step; arrays are row-major numEnvs x size (two-player games: numEnvs x 2 x size for obs
 * and finalObs, numEnvs x 2 for reward, player p of environment n at row 2n + p; the flags stay per environment).
 */
export interface StepResult {
  /** Observations after the step; for environments whose episode ended, the first observation of the next one. */
  obs: Float32Array;
  reward: Float32Array;
  /** 1 where the episode reached a terminal state (no bootstrapping). */
  terminated: Uint8Array;
  /** 1 where the episode hit the time limit (bootstrap from finalObs). */
  truncated: Uint8Array;
  /** The observation each environment reached with this step, before any auto-reset (equals obs elsewhere). */
  finalObs: Float32Array;
}

/** The typed-array face of a batch of environments: for users, tests and games. */
export interface VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  /**
   * Environments with actionMask: the action masks of the observations the last reset() or step() returned
   * (numEnvs x Σ nvec, 1 allowed), e.g. for policy.act(obs, { mask }); null without masks or before a reset.
   */
  readonly lastActionMask: Float32Array | null;
  reset(): Promise<Float32Array>;
  step(actions: Int32Array | Float32Array): Promise<StepResult>;
  /** Overwrites every environment's state (numEnvs x stateSize, Gymnasium's layout) and restarts its step count. */
  setState(state: Float32Array): void | Promise<void>;
  getState(): Promise<Float32Array>;
  destroy(): void;
}
