/**
 * Trainer configuration: CleanRL's names (snake_case, as in ppo.py's Args) and defaults, a tuned default per
 * built-in environment (as RL Zoo's hyperparameter files), and validation up front. Every key is described here
 * once; the README's hyperparameter table is generated from these descriptions.
 */
import type { Activation } from '../shaders/activations.js';
import { closestKey, unknownKey } from './options.js';
import type { ConvSpec } from './nn/conv.js';

/**
 * The policy-gradient family on one GPU loop (src/ppo/ppo.ts). 'ppo' and 'ppo-penalty' take update_epochs x
 * num_minibatches steps on the clipped or penalised surrogate; 'a2c' and 'reinforce' take ONE step on the whole
 * batch, where π_θ = π_old, the ratio r is 1, the clip is inactive and ∇(-ψ r) = -ψ ∇log π: the policy gradient.
 * 'trpo' takes one natural-gradient step of the actor within KL ≤ max_kl (src/trpo/), then regresses the critic
 * with Adam over update_epochs x num_minibatches.
 */
export const ALGOS = ['ppo', 'ppo-penalty', 'a2c', 'reinforce', 'trpo'] as const;
export type Algo = (typeof ALGOS)[number];

/**
 * REINFORCE's ψ_t in ∇J = E[Σ_t ψ_t ∇log π(a_t|s_t)] (src/reinforce/psi.ts has the formulas): the first two
 * use no critic, the others use V.
 */
export const PSIS = ['total_return', 'reward_to_go', 'baseline', 'q_value', 'advantage', 'td_error'] as const;
export type Psi = (typeof PSIS)[number];

export interface TrainerConfig {
  /** Environment id (built-in or registered with defineGpuEnv / defineJsEnv). */
  env: string;
  algo: Algo;
  /** REINFORCE only: the weight ψ_t of each log-probability's gradient. */
  psi: Psi;
  seed: number;
  num_envs: number;
  num_steps: number;
  learning_rate: number;
  anneal_lr: boolean;
  gamma: number;
  gae_lambda: number;
  num_minibatches: number;
  update_epochs: number;
  norm_adv: boolean;
  clip_coef: number;
  clip_vloss: boolean;
  ent_coef: number;
  vf_coef: number;
  max_grad_norm: number;
  target_kl: number | null;
  /** PPO-Penalty: the KL target that beta is adapted toward, and beta's initial value. */
  kl_target: number;
  init_beta: number;
  /** TRPO: the KL bound δ of the step, conjugate gradient's iterations and damping, the backtracking line search. */
  max_kl: number;
  cg_iters: number;
  cg_damping: number;
  backtrack_iters: number;
  backtrack_coef: number;
  adam_eps: number;
  /** Observation and reward normalisation (CleanRL's continuous-control wrappers) and their clips. */
  norm_obs: boolean;
  norm_reward: boolean;
  clip_obs: number;
  clip_reward: number;
  hidden_sizes: number[];
  activation: Activation;
  /**
   * Grid observations (an environment with observationShape [H, W, C]): a convolutional encoder in front of each
   * network (src/nn/conv.ts), or null for the flat MLP.
   */
  encoder: EncoderConfig | null;
  /** Total environment steps for `train()` when none is given. */
  total_timesteps: number;
  /**
   * Choose the training kernels' layouts for the adapter in use (src/tune/): measured at the first run of these
   * sizes on this adapter, then cached. False: the fixed defaults, the same layouts on every adapter.
   */
  tune: boolean;
  /** The tuning's time budget in milliseconds, compilation included. */
  tune_budget_ms: number;
  /** Self-play (two-player environments only): ML-Agents' knobs of the pool of past selves. */
  save_steps: number;
  window: number;
  play_against_latest_model_ratio: number;
  swap_steps: number;
  initial_elo: number;
}

/** The convolutions of the encoder, in order (one layer: the fused kernels compute one convolution). */
export interface EncoderConfig {
  conv: ConvSpec[];
}

/** MinAtar's network (conv 16 3x3, ReLU, flatten, dense 128, ReLU, heads): the default for grid environments. */
export const GRID_DEFAULTS: Partial<TrainerConfig> = {
  encoder: { conv: [{ channels: 16, kernel: 3 }] },
  hidden_sizes: [128],
  activation: 'relu',
};

/** Output channels of a convolution at most. */
export const MAX_CONV_CHANNELS = 256;

type Check = (value: unknown) => string | undefined;

interface KeySpec {
  check: Check;
  /** One line tying the key to the maths, for errors and the README. */
  meaning: string;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const positiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const inRange =
  (low: number, high: number, lowOpen = false, highOpen = false): Check =>
  (v) =>
    isNumber(v) && (lowOpen ? v > low : v >= low) && (highOpen ? v < high : v <= high)
      ? undefined
      : `a number in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
const nonNegative: Check = (v) => (isNumber(v) && v >= 0 ? undefined : 'a finite number >= 0');
const positive: Check = (v) => (isNumber(v) && v > 0 ? undefined : 'a finite number > 0');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf =
  (values: readonly string[]): Check =>
  (v) => {
    if (typeof v === 'string' && values.includes(v)) return undefined;
    const hint = typeof v === 'string' ? closestKey(v, values) : undefined;
    return `one of ${values.map((x) => `'${x}'`).join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`;
  };

export const CONFIG_KEYS: Record<keyof TrainerConfig, KeySpec> = {
  env: { check: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'an environment id such as "CartPole-v1"'), meaning: 'environment id (Gymnasium id for the built-ins)' },
  algo: {
    check: oneOf(ALGOS),
    meaning: "'ppo': L = max(-A r, -A clip(r, 1-ε, 1+ε)); 'ppo-penalty': L = -A r + β KL(π_old‖π); 'a2c': one step of -A log π per rollout (A from GAE, λ = 1); 'reinforce': one step of -ψ log π per rollout; 'trpo': max A r subject to KL(π_old‖π) ≤ max_kl by a natural-gradient step",
  },
  psi: {
    check: oneOf(PSIS),
    meaning: "reinforce only (ignored by the others): ψ_t = 'total_return' R(τ), 'reward_to_go' Σ γ^k r_{t+k}, 'baseline' (reward-to-go - V(s_t)), 'q_value' r_t + γ V(s_{t+1}), 'advantage' GAE(λ), 'td_error' r_t + γ V(s_{t+1}) - V(s_t)",
  },
  seed: { check: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32 ? undefined : 'an integer in [0, 2^32)'), meaning: 'seed of the initial parameters, environments, actions and minibatch permutations' },
  num_envs: { check: positiveInteger, meaning: 'N, environments stepped in parallel on the GPU' },
  num_steps: { check: positiveInteger, meaning: 'T, steps per environment per rollout; batch = N·T' },
  learning_rate: { check: positive, meaning: 'Adam step size α (annealed linearly to 0 when anneal_lr)' },
  anneal_lr: { check: boolean, meaning: 'α_k = α (1 - (k-1)/K) at iteration k of K' },
  gamma: { check: inRange(0, 1), meaning: 'discount γ in δ_t = r_t + γ V(s_{t+1}) - V(s_t)' },
  gae_lambda: { check: inRange(0, 1), meaning: 'λ in A_t = δ_t + γλ A_{t+1} (GAE)' },
  num_minibatches: { check: positiveInteger, meaning: 'minibatches per epoch; must divide N·T' },
  update_epochs: { check: positiveInteger, meaning: 'passes over the batch per iteration' },
  norm_adv: { check: boolean, meaning: 'A ← (A - mean) / (std + 1e-8) per minibatch' },
  clip_coef: { check: positive, meaning: 'ε of the clipped surrogate (and of the value clip)' },
  clip_vloss: { check: boolean, meaning: 'L_V = ½ max((V-R)², (V_old + clip(V-V_old, ±ε) - R)²) instead of ½ (V-R)²' },
  ent_coef: { check: nonNegative, meaning: 'c₂ in L = L_π - c₂ H[π] + c₁ L_V' },
  vf_coef: { check: nonNegative, meaning: 'c₁ in L = L_π - c₂ H[π] + c₁ L_V' },
  max_grad_norm: { check: nonNegative, meaning: 'clip the global gradient norm to this (0: no clipping)' },
  target_kl: { check: (v) => (v === null || (isNumber(v) && v > 0) ? undefined : 'null (off) or a number > 0'), meaning: 'stop the epochs early once the approx KL of an epoch exceeds this' },
  kl_target: { check: positive, meaning: "ppo-penalty only: after each update, β ×2 when the batch KL d > 1.5·kl_target, ÷2 when d < kl_target/1.5" },
  init_beta: { check: positive, meaning: 'ppo-penalty only: initial β' },
  max_kl: { check: positive, meaning: 'trpo only: δ of max L(θ) subject to mean KL(π_old‖π_θ) ≤ δ; the full step is √(2δ / xᵀFx) x' },
  cg_iters: { check: positiveInteger, meaning: 'trpo only: conjugate-gradient iterations for x ≈ (F + λI)⁻¹ g' },
  cg_damping: { check: nonNegative, meaning: 'trpo only: λ of (F + λI)' },
  backtrack_iters: { check: positiveInteger, meaning: 'trpo only: line-search tries; the first with KL ≤ δ and L(θ) > L(θ_old) is taken' },
  backtrack_coef: { check: inRange(0, 1, true, true), meaning: 'trpo only: the step fraction shrinks by this after each rejected try' },
  adam_eps: { check: positive, meaning: 'ε of Adam (CleanRL: 1e-5)' },
  norm_obs: { check: boolean, meaning: 'x ← clip((x - μ) / √(σ² + 1e-8), ±clip_obs), running μ, σ² of the observations' },
  norm_reward: { check: boolean, meaning: 'r ← clip(r / √(Var[G] + 1e-8), ±clip_reward), G = γ G (1 - term) + r per environment' },
  clip_obs: { check: positive, meaning: 'clip of the normalised observations' },
  clip_reward: { check: positive, meaning: 'clip of the normalised rewards' },
  hidden_sizes: {
    check: (v) => (Array.isArray(v) && v.length > 0 && v.every((w) => Number.isInteger(w) && w > 0 && w <= 1024) ? undefined : 'a non-empty array of layer widths in 1..1024, e.g. [64, 64]'),
    meaning: 'hidden layer widths of both actor and critic',
  },
  activation: { check: (v) => (v === 'tanh' || v === 'relu' ? undefined : "'tanh' or 'relu'"), meaning: 'hidden activation of both networks' },
  encoder: {
    // The structure is checked field by field in resolveConfig (checkEncoder), which names the field.
    check: () => undefined,
    meaning:
      'grid observations [H, W, C]: { conv: [{ channels, kernel }] }, a k x k convolution (valid padding, stride 1, ReLU) whose flattened output feeds the MLP, in each network; null: the MLP on the flat vector. Grid environments default to MinAtar\'s conv 16 3x3 → dense 128 (ReLU)',
  },
  total_timesteps: { check: positiveInteger, meaning: 'environment steps of `train()` when totalSteps is not given' },
  tune: {
    check: boolean,
    meaning: "time the candidate layouts of the update's kernels and of the rollout on this adapter at the run's sizes, check each against the default's output, use the fastest, cache the choice (see Tuning); false: the fixed layouts",
  },
  tune_budget_ms: { check: positiveInteger, meaning: 'wall-time budget of one tuning in ms, compilation included; candidates past it are skipped' },
  save_steps: { check: positiveInteger, meaning: 'self-play (two-player environments): a snapshot of the learner joins the pool after every save_steps global steps (at iteration ends; the initial policy is snapshot 0)' },
  window: { check: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 64 ? undefined : 'an integer in 1..64'), meaning: 'self-play: snapshots kept in the pool; the oldest is evicted beyond it' },
  play_against_latest_model_ratio: { check: inRange(0, 1), meaning: 'self-play: P(the opponent of an episode is the latest self); otherwise a snapshot uniformly from the pool' },
  swap_steps: { check: positiveInteger, meaning: "self-play: global steps between switches of the side the learner plays (ML-Agents' team_change; the opponent is re-drawn every episode instead of ML-Agents' swap_steps)" },
  initial_elo: { check: (v) => (isNumber(v) ? undefined : 'a finite number'), meaning: 'self-play: starting Elo of the learner and the snapshots; K = 16, E = 1/(1+10^((R_opp-R)/400))' },
};

/** CleanRL ppo.py's defaults (discrete action spaces). */
export const CLEANRL_DEFAULTS: Omit<TrainerConfig, 'env'> = {
  algo: 'ppo',
  psi: 'advantage',
  seed: 1,
  num_envs: 4,
  num_steps: 128,
  learning_rate: 2.5e-4,
  anneal_lr: true,
  gamma: 0.99,
  gae_lambda: 0.95,
  num_minibatches: 4,
  update_epochs: 4,
  norm_adv: true,
  clip_coef: 0.2,
  clip_vloss: true,
  ent_coef: 0.01,
  vf_coef: 0.5,
  max_grad_norm: 0.5,
  target_kl: null,
  kl_target: 0.01,
  init_beta: 1,
  max_kl: 0.01,
  cg_iters: 10,
  cg_damping: 0.1,
  backtrack_iters: 10,
  backtrack_coef: 0.8,
  adam_eps: 1e-5,
  norm_obs: false,
  norm_reward: false,
  clip_obs: 10,
  clip_reward: 10,
  hidden_sizes: [64, 64],
  activation: 'tanh',
  encoder: null,
  total_timesteps: 500_000,
  tune: false,
  tune_budget_ms: 3000,
  save_steps: 20_000,
  window: 10,
  play_against_latest_model_ratio: 0.5,
  swap_steps: 10_000,
  initial_elo: 1200,
};

/** CleanRL ppo_continuous_action.py's defaults (box action spaces). */
export const CLEANRL_CONTINUOUS_DEFAULTS: Omit<TrainerConfig, 'env'> = {
  ...CLEANRL_DEFAULTS,
  num_envs: 1,
  num_steps: 2048,
  learning_rate: 3e-4,
  num_minibatches: 32,
  update_epochs: 10,
  ent_coef: 0,
  norm_obs: true,
  norm_reward: true,
  total_timesteps: 1_000_000,
};

/**
 * Tuned defaults per built-in environment (like RL Zoo's hyperparameter files), chosen so that `train()` with no
 * options solves the task quickly on a software adapter; measured in bench/ (case "solve").
 */
export const TUNED: Record<string, Partial<TrainerConfig>> = {
  'CartPole-v1': {
    num_envs: 8,
    num_steps: 32,
    learning_rate: 1e-3,
    gamma: 0.98,
    gae_lambda: 0.8,
    num_minibatches: 1,
    update_epochs: 20,
    ent_coef: 0,
    total_timesteps: 100_000,
  },
  'Acrobot-v1': {
    num_envs: 16,
    num_steps: 256,
    gae_lambda: 0.94,
    update_epochs: 4,
    ent_coef: 0,
    norm_obs: true,
    norm_reward: true,
    learning_rate: 1e-3,
    total_timesteps: 200_000,
  },
  'MountainCar-v0': {
    num_envs: 64,
    num_steps: 16,
    gae_lambda: 0.98,
    update_epochs: 4,
    learning_rate: 1e-3,
    ent_coef: 0,
    norm_obs: true,
    norm_reward: true,
    total_timesteps: 2_000_000,
  },
  'MountainCarContinuous-v0': {
    num_envs: 16,
    num_steps: 64,
    gamma: 0.9999,
    gae_lambda: 0.9,
    learning_rate: 1e-4,
    num_minibatches: 4,
    update_epochs: 10,
    clip_coef: 0.1,
    ent_coef: 0.005,
    vf_coef: 0.19,
    max_grad_norm: 5,
    total_timesteps: 300_000,
  },
  // Self-play (src/selfplay/): a small network, 32 courts; ML-Agents' pool defaults.
  'Pong-v0': {
    num_envs: 32,
    num_steps: 128,
    learning_rate: 1e-3,
    update_epochs: 4,
    num_minibatches: 4,
    ent_coef: 0.01,
    hidden_sizes: [32, 32],
    total_timesteps: 300_000,
  },
  'Pendulum-v1': {
    num_envs: 16,
    num_steps: 256,
    gamma: 0.9,
    gae_lambda: 0.95,
    learning_rate: 1e-3,
    num_minibatches: 8,
    update_epochs: 10,
    total_timesteps: 300_000,
  },
};

/**
 * What A2C and REINFORCE share: one step on the whole batch, a constant learning rate, no advantage normalisation,
 * no value clip, no entropy bonus, SB3's gradient clip, and vf_coef 1 (see A2C_DEFAULTS), on 8 environments.
 */
const ONE_STEP_DEFAULTS: Partial<TrainerConfig> = {
  num_envs: 8,
  anneal_lr: false,
  num_minibatches: 1,
  update_epochs: 1,
  norm_adv: false,
  clip_vloss: false,
  ent_coef: 0,
  vf_coef: 1,
  max_grad_norm: 0.5,
};

/**
 * A2C's defaults, as Stable-Baselines3's A2C: 5-step rollouts, n-step returns (GAE with λ = 1), one gradient step per
 * rollout on the whole batch, no advantage normalisation, a constant learning rate of 7e-4, no entropy bonus.
 * The optimiser is Adam (SB3 uses RMSprop): the family shares one optimiser kernel, and the A2C/PPO equivalence
 * holds for either. SB3's value loss is vf_coef · mean (V - R)² with vf_coef 0.5; this engine's is
 * vf_coef · ½ mean (V - R)², so vf_coef 1 is SB3's weight. num_envs 8: RL Zoo's A2C setting for classic control.
 */
export const A2C_DEFAULTS: Partial<TrainerConfig> = {
  ...ONE_STEP_DEFAULTS,
  num_steps: 5,
  learning_rate: 7e-4,
  gae_lambda: 1,
};

/**
 * REINFORCE's defaults: batches of long rollouts (200 steps per environment, so that most episodes end inside a
 * rollout), one step per batch, ψ = reward-to-go minus the baseline V(s_t) (REINFORCE with baseline: unbiased,
 * and on CartPole steadier than GAE's advantage across seeds), no normalisation of ψ, a constant Adam step of 3e-3
 * (one step per batch of 1600 samples tolerates a larger step than PPO's many).
 */
export const REINFORCE_DEFAULTS: Partial<TrainerConfig> = {
  ...ONE_STEP_DEFAULTS,
  psi: 'baseline',
  num_steps: 200,
  learning_rate: 3e-3,
};

/**
 * TRPO's defaults, as SB3-contrib's TRPO: batches of 1024 (8 × 128), GAE λ 0.95 with advantages normalised over the
 * batch, δ = 0.01, 10 CG iterations with damping 0.1, a backtracking line search of 10 tries shrinking by 0.8, and
 * the critic regressed by Adam (constant 1e-3, no gradient clip) for 10 epochs of minibatches of 128. No entropy
 * bonus and no value clip (the step is bounded by the KL, not by a clip).
 */
export const TRPO_DEFAULTS: Partial<TrainerConfig> = {
  num_envs: 8,
  num_steps: 128,
  learning_rate: 1e-3,
  anneal_lr: false,
  gae_lambda: 0.95,
  num_minibatches: 8,
  update_epochs: 10,
  norm_adv: true,
  clip_vloss: false,
  ent_coef: 0,
  vf_coef: 1,
  max_grad_norm: 0,
};

/** The algorithms that take one gradient step on the whole batch per iteration. */
export function isOneStep(algo: Algo): boolean {
  return algo === 'a2c' || algo === 'reinforce';
}

/**
 * The defaults of one run: CleanRL's (discrete or box; with MinAtar's network for a grid observation [H, W, C],
 * except TRPO's, which has no encoder), then the algorithm's own, then (PPO-Clip and PPO-Penalty) the environment's
 * tuned values; an unknown algorithm gets PPO's here and is refused by validation.
 */
export function defaultsFor(env: string, continuous: boolean, algo: Algo = 'ppo', observationShape?: readonly number[]): Omit<TrainerConfig, 'env'> {
  const base = { ...(continuous ? CLEANRL_CONTINUOUS_DEFAULTS : CLEANRL_DEFAULTS), ...(observationShape?.length === 3 && algo !== 'trpo' ? GRID_DEFAULTS : {}) };
  const own = OWN_DEFAULTS[algo];
  return own ? { ...base, ...own, ...keepEnvironmentShape(env), algo } : { ...base, ...(TUNED[env] ?? {}), algo };
}

/** The algorithms with defaults of their own (PPO-Clip and PPO-Penalty use CleanRL's and TUNED). */
const OWN_DEFAULTS: Partial<Record<Algo, Partial<TrainerConfig>>> = { a2c: A2C_DEFAULTS, reinforce: REINFORCE_DEFAULTS, trpo: TRPO_DEFAULTS };

/** What an environment's tuning says about the task itself (normalisation, discount), kept by every algorithm. */
function keepEnvironmentShape(env: string): Partial<TrainerConfig> {
  const tuned = TUNED[env] ?? {};
  const kept: Partial<TrainerConfig> = {};
  for (const key of ['norm_obs', 'norm_reward', 'gamma'] as const) if (tuned[key] !== undefined) (kept as Record<string, unknown>)[key] = tuned[key];
  return kept;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`trainer config '${key}' is ${describe(value)}; expected ${expected}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Rejects unknown keys (naming the known ones) and invalid values; returns the merged configuration. */
export function resolveConfig(user: Partial<TrainerConfig> & { env: string }, continuous: boolean, observationShape?: readonly number[]): TrainerConfig {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) throw new ConfigError('(config)', user, 'an object such as { env: "CartPole-v1" }');
  // Own keys only: `constructor`, `__proto__` and keys inherited from a prototype are unknown keys too.
  const known = Object.keys(CONFIG_KEYS);
  const key = unknownKey(user, known);
  if (key !== undefined) {
    const hint = closestKey(key, known);
    const inherited = !Object.hasOwn(user, key);
    throw new ConfigError(
      key,
      (user as Record<string, unknown>)[key],
      `${inherited ? 'no such key (inherited from the prototype, not the config\'s own)' : `no such key${hint ? ` (did you mean '${hint}'?)` : ''}`}; known keys: ${known.join(', ')}`,
    );
  }
  const algo = (typeof user.algo === 'string' && (ALGOS as readonly string[]).includes(user.algo) ? user.algo : 'ppo') as Algo;
  const merged = { ...defaultsFor(user.env, continuous, algo, observationShape), ...stripUndefined(user) } as TrainerConfig;
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [keyof TrainerConfig, KeySpec][]) {
    const problem = spec.check(merged[key]);
    if (problem) throw new ConfigError(key, merged[key], problem);
  }
  if (isOneStep(merged.algo)) {
    // One step on the whole batch is what makes these algorithms what they are (ratio 1, no clip).
    for (const key of ['update_epochs', 'num_minibatches'] as const) {
      if (merged[key] !== 1) throw new ConfigError(key, merged[key], `1 with algo '${merged.algo}' (one gradient step on the whole batch per rollout; several are algo 'ppo')`);
    }
    if (merged.target_kl !== null) throw new ConfigError('target_kl', merged.target_kl, `null with algo '${merged.algo}' (there is no later epoch to stop)`);
  }
  if (merged.algo === 'trpo') {
    if (merged.target_kl !== null) throw new ConfigError('target_kl', merged.target_kl, "null with algo 'trpo' (its step is bounded by max_kl; the critic's epochs have no KL to stop on)");
    if (merged.ent_coef !== 0) throw new ConfigError('ent_coef', merged.ent_coef, "0 with algo 'trpo' (its natural-gradient step maximises the surrogate alone; an entropy bonus is PPO's)");
  }
  checkEncoder(merged, observationShape);
  const batch = merged.num_envs * merged.num_steps;
  if (batch % merged.num_minibatches !== 0) {
    throw new ConfigError('num_minibatches', merged.num_minibatches, `a divisor of the batch num_envs x num_steps = ${batch}`);
  }
  if (batch >= 2 ** 31) throw new ConfigError('num_steps', merged.num_steps, `a value that keeps num_envs x num_steps below 2^31 (it is ${batch})`);
  return merged;
}

/** The encoder: its structure, that the observation is a grid it fits, and that the algorithm runs it. */
function checkEncoder(config: TrainerConfig, observationShape: readonly number[] | undefined): void {
  const encoder = config.encoder as unknown;
  if (encoder === null) return;
  if (typeof encoder !== 'object' || Array.isArray(encoder) || encoder === undefined) {
    throw new ConfigError('encoder', encoder, 'null or an object { conv: [{ channels, kernel }] }');
  }
  const extra = Object.keys(encoder).find((k) => k !== 'conv');
  if (extra !== undefined) throw new ConfigError(`encoder.${extra}`, (encoder as Record<string, unknown>)[extra], "no such key; the encoder's one key is 'conv'");
  const conv = (encoder as { conv?: unknown }).conv;
  if (!Array.isArray(conv) || conv.length !== 1) {
    throw new ConfigError('encoder.conv', conv, 'an array of one convolution [{ channels, kernel }] (the encoder computes one convolution, fused into the first dense layer)');
  }
  const layer = conv[0] as unknown;
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new ConfigError('encoder.conv[0]', layer, 'an object { channels, kernel }');
  const unknown = Object.keys(layer).find((k) => k !== 'channels' && k !== 'kernel');
  if (unknown !== undefined) throw new ConfigError(`encoder.conv[0].${unknown}`, (layer as Record<string, unknown>)[unknown], "no such key; a convolution has 'channels' and 'kernel'");
  const { channels, kernel } = layer as { channels?: unknown; kernel?: unknown };
  if (!Number.isInteger(channels) || (channels as number) < 1 || (channels as number) > MAX_CONV_CHANNELS) {
    throw new ConfigError('encoder.conv[0].channels', channels, `an integer in 1..${MAX_CONV_CHANNELS} (output channels)`);
  }
  if (!Number.isInteger(kernel) || (kernel as number) < 1) throw new ConfigError('encoder.conv[0].kernel', kernel, 'a positive integer (the side of the square kernel, e.g. 3)');
  if (observationShape?.length !== 3) {
    const what = observationShape ? `an observation of shape [${observationShape.join(', ')}]` : 'a flat observation vector';
    throw new ConfigError('encoder', encoder, `null for environment '${config.env}', which gives ${what} (an encoder needs a grid observation [H, W, C])`);
  }
  const [height, width] = observationShape as [number, number, number];
  if ((kernel as number) > Math.min(height, width)) {
    throw new ConfigError('encoder.conv[0].kernel', kernel, `at most ${Math.min(height, width)}: the grid is ${height} x ${width} and the convolution has valid padding`);
  }
  if (config.algo === 'trpo') throw new ConfigError('encoder', encoder, "null with algo 'trpo' (its Fisher-vector and line-search kernels run the MLP alone)");
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The README's hyperparameter table: every key, its CleanRL defaults (discrete / continuous) and its meaning. */
export function hyperparameterTable(): string {
  const show = (value: unknown) => (value === undefined ? '—' : `\`${JSON.stringify(value)}\``);
  const rows = (Object.keys(CONFIG_KEYS) as (keyof TrainerConfig)[]).map((key) => {
    const discrete = key === 'env' ? undefined : CLEANRL_DEFAULTS[key as keyof typeof CLEANRL_DEFAULTS];
    const continuous = key === 'env' ? undefined : CLEANRL_CONTINUOUS_DEFAULTS[key as keyof typeof CLEANRL_CONTINUOUS_DEFAULTS];
    return `| \`${key}\` | ${show(discrete)} | ${show(continuous)} | ${CONFIG_KEYS[key].meaning.replace(/\|/g, '\\|')} |`;
  });
  const own = [['a2c', A2C_DEFAULTS], ['reinforce', REINFORCE_DEFAULTS], ['trpo', TRPO_DEFAULTS]] as const;
  const algoKeys = [...new Set(own.flatMap(([, defaults]) => Object.keys(defaults)))] as (keyof TrainerConfig)[];
  const algoRows = algoKeys.map((key) => `| \`${key}\` | ${own.map(([, defaults]) => show(defaults[key])).join(' | ')} |`);
  return [
    '| key | default (discrete) | default (box) | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    "`a2c`, `reinforce` and `trpo` replace these defaults (— keeps the one above; an environment's tuned values are",
    "PPO's: these keep only its `norm_obs`, `norm_reward` and `gamma`):",
    '',
    `| key | ${own.map(([algo]) => `\`${algo}\``).join(' | ')} |`,
    `| --- | ${own.map(() => '---').join(' | ')} |`,
    ...algoRows,
  ].join('\n');
}
