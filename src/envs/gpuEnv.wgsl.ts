/**
 * The batched environment kernels: one invocation per environment, composed after an environment's code
 * (src/envs/compose.ts). Owner: GpuVecEnv (src/envs/gpuEnv.ts).
 *
 * Storage (shared with the trainer's fused rollout kernel, which includes `envStorageWgsl` below):
 *   engine_state          array<f32>, feature-major: component s of environment n at s * num_envs + n
 *   engine_episode_steps  array<u32>, steps taken in the current episode (0 right after a reset)
 *   engine_episode_index  array<u32>, episodes started so far (the reset of episode k draws with counter k)
 * Randomness (shaders/rng.ts), so that draws depend only on (seed, environment, episode, step):
 *   reset of environment n: rng_create(seed, envReset, n, episode_index[n]), then episode_index[n] += 1
 *   step of environment n:  rng_create(seed, envStep | (episode_steps[n] << 4), n, episode_index[n]),
 *                           with the step count before the step (so at most 2^28 steps per episode).
 *
 * The typed-array kernels (`envBatchWgsl`) add, per environment n:
 *   actions   discrete: array<u32> [num_envs]; box: array<f32> [num_envs x ENV_ACTION_SIZE] row-major
 *   out       array<f32>: obs [num_envs x ENV_OBS_SIZE] row-major, then final_obs (same shape), then reward [num_envs]
 *   flags     array<u32> [num_envs]: bit 0 terminated, bit 1 truncated
 */
import { linearIndexWgsl } from '../../shaders/common.js';
import { RngStream } from '../../shaders/rng.js';
import { bindingTable, readOnlyStorage, storage, uniform, type BufferResource } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

/** Invocations per workgroup of the batched kernels (one environment each). */
export const ENV_WORKGROUP_SIZE = 64;

/** Bits of the flags word written per environment by the step kernel. */
export const ENV_FLAG_TERMINATED = 1;
export const ENV_FLAG_TRUNCATED = 2;

/** Largest maxEpisodeSteps: the step count shares a u32 with the 4-bit stream id in the step generator. */
export const MAX_EPISODE_STEPS_LIMIT = 2 ** 28;

/**
 * The environment storage as binding-table entries under the names `envStorageWgsl` uses: a kernel that includes
 * it spreads these into its table and binds `envStorageResources(buffers)`.
 */
export const envStorageBindings = {
  engine_state: storage('array<f32>'),
  engine_episode_steps: storage('array<u32>'),
  engine_episode_index: storage('array<u32>'),
};

/** The environment's storage buffers under their binding names (see envStorageBindings). */
export function envStorageResources(buffers: { state: GPUBuffer; episodeSteps: GPUBuffer; episodeIndex: GPUBuffer }): Record<keyof typeof envStorageBindings, BufferResource> {
  return { engine_state: buffers.state, engine_episode_steps: buffers.episodeSteps, engine_episode_index: buffers.episodeIndex };
}

/** Per-environment load, store and reset, shared by one- and two-player games. */
const envStorageCommonWgsl = /* wgsl */ `
const ENGINE_RNG_ENV_RESET: u32 = ${RngStream.envReset}u;
const ENGINE_RNG_ENV_STEP: u32 = ${RngStream.envStep}u;

// What one step of one environment produced. obs is the first observation of the next episode where the
// episode ended (terminated or truncated), final_obs the observation reached by the step.
struct EngineStep {
  obs: EnvObs,
  final_obs: EnvObs,
  reward: f32,
  terminated: bool,
  truncated: bool,
}

fn engine_load_state(n: u32, num_envs: u32) -> EnvState {
  var state: EnvState;
  for (var s = 0u; s < ENV_STATE_SIZE; s += 1u) {
    state[s] = engine_state[s * num_envs + n];
  }
  return state;
}

fn engine_store_state(n: u32, num_envs: u32, state: ptr<function, EnvState>) {
  for (var s = 0u; s < ENV_STATE_SIZE; s += 1u) {
    engine_state[s * num_envs + n] = (*state)[s];
  }
}

// Starts the next episode of environment n: draws its state, stores it, counts the episode, zeroes its steps.
fn engine_reset_env(n: u32, num_envs: u32, seed: u32) -> EnvState {
  let episode = engine_episode_index[n];
  var rng = rng_create(seed, ENGINE_RNG_ENV_RESET, n, episode);
  var state = env_reset(&rng);
  engine_store_state(n, num_envs, &state);
  engine_episode_index[n] = episode + 1u;
  engine_episode_steps[n] = 0u;
  return state;
}
`;

/**
 * Per-environment load, store, reset and step (with time limit and auto-reset). Needs the composed environment
 * (composeEnv) before it and the bindings of envStorageBindings in the module's table.
 */
export const envStorageWgsl = /* wgsl */ `${envStorageCommonWgsl}
fn engine_observe_env(n: u32, num_envs: u32) -> EnvObs {
  var state = engine_load_state(n, num_envs);
  return env_observe(&state);
}

// One step of environment n under action, with Gymnasium's TimeLimit (truncated once max_episode_steps steps
// are taken, possibly together with terminated) and auto-reset in the same step.
fn engine_step_env(n: u32, num_envs: u32, seed: u32, max_episode_steps: u32, action: EnvAction) -> EngineStep {
  var state = engine_load_state(n, num_envs);
  let steps = engine_episode_steps[n];
  var rng = rng_create(seed, ENGINE_RNG_ENV_STEP | (steps << 4u), n, engine_episode_index[n]);
  let result = env_step(&state, action, &rng);
  var out: EngineStep;
  out.reward = result.reward;
  out.terminated = result.terminated;
  out.truncated = steps + 1u >= max_episode_steps;
  out.final_obs = env_observe(&state);
  if (out.terminated || out.truncated) {
    state = engine_reset_env(n, num_envs, seed);
    out.obs = env_observe(&state);
  } else {
    engine_store_state(n, num_envs, &state);
    engine_episode_steps[n] = steps + 1u;
    out.obs = out.final_obs;
  }
  return out;
}
`;

/**
 * envStorageWgsl for a two-player game (players: 2): the same storage, time limit, auto-reset and generators;
 * observations are per player (env_observe(state, player)) and a step takes both players' actions.
 *
 *   engine_observe_player(n, num_envs, player)   player's observation of environment n's stored state
 *   engine_step_env_2p(n, num_envs, seed, max_episode_steps, actions) -> EngineStep2
 *       final_state: the state the step reached (before any auto-reset; observe it for finalObs), reward: player
 *       0's (player 1's is -reward), terminated, truncated; the stored state is the next episode's where it ended.
 */
export const twoPlayerEnvStorageWgsl = /* wgsl */ `${envStorageCommonWgsl}
struct EngineStep2 {
  final_state: EnvState,
  reward: f32,
  terminated: bool,
  truncated: bool,
}

fn engine_observe_player(n: u32, num_envs: u32, player: u32) -> EnvObs {
  var state = engine_load_state(n, num_envs);
  return env_observe(&state, player);
}

fn engine_step_env_2p(n: u32, num_envs: u32, seed: u32, max_episode_steps: u32, actions: EnvActions) -> EngineStep2 {
  var state = engine_load_state(n, num_envs);
  let steps = engine_episode_steps[n];
  var rng = rng_create(seed, ENGINE_RNG_ENV_STEP | (steps << 4u), n, engine_episode_index[n]);
  let result = env_step(&state, actions, &rng);
  var out: EngineStep2;
  out.final_state = state;
  out.reward = result.reward;
  out.terminated = result.terminated;
  out.truncated = steps + 1u >= max_episode_steps;
  if (out.terminated || out.truncated) {
    engine_reset_env(n, num_envs, seed);
  } else {
    engine_store_state(n, num_envs, &state);
    engine_episode_steps[n] = steps + 1u;
  }
  return out;
}
`;

/** Entry points of the typed-array kernels. */
export const ENV_RESET_ENTRY = 'engine_reset_kernel';
export const ENV_STEP_ENTRY = 'engine_step_kernel';

/** The typed-array kernels' batch: its size, seed and time limit. */
export const EngineParams = uniformStruct('EngineParams', { num_envs: 'u32', seed: 'u32', max_episode_steps: 'u32' });

/** How the typed-array kernels receive actions: a u32 index (discrete), u32 indices per head, or f32 box components. */
export type ActionLayout = { kind: 'index' } | { kind: 'indices'; heads: number } | { kind: 'box' };

/** The typed-array kernels' bindings (one table for both entry points); `actions` selects the actions' type. */
export function envBatchBindings(actions: ActionLayout) {
  return bindingTable({
    engine_params: uniform(EngineParams),
    ...envStorageBindings,
    engine_actions: readOnlyStorage(actions.kind === 'box' ? 'array<f32>' : 'array<u32>'),
    engine_out: storage('array<f32>'),
    engine_flags: storage('array<u32>'),
  });
}

/**
 * The reset and step kernels of the typed-array VecEnv, appended to `composedCode` (composeEnv(def).code).
 * `actions` selects the actions layout: [numEnvs][heads] indices, or [numEnvs][ENV_ACTION_SIZE] floats.
 */
export function envBatchWgsl(composedCode: string, actions: ActionLayout, maskSize = 0): string {
  const loadAction =
    actions.kind === 'box'
      ? `var action: EnvAction;
  for (var k = 0u; k < ENV_ACTION_SIZE; k += 1u) {
    action[k] = engine_actions[n * ENV_ACTION_SIZE + k];
  }`
      : actions.kind === 'index'
        ? 'let action: EnvAction = engine_actions[n];'
        : `var action: EnvAction;
  for (var k = 0u; k < ${actions.heads}u; k += 1u) {
    action[k] = engine_actions[n * ${actions.heads}u + k];
  }`;
  return /* wgsl */ `${composedCode}
${linearIndexWgsl}
${envBatchBindings(actions).wgsl}${envStorageWgsl}
fn engine_write_obs(section: u32, n: u32, obs: ptr<function, EnvObs>) {
  let base = section * engine_params.num_envs * ENV_OBS_SIZE + n * ENV_OBS_SIZE;
  for (var k = 0u; k < ENV_OBS_SIZE; k += 1u) {
    engine_out[base + k] = (*obs)[k];
  }
}

// The action mask of environment n's current state, after obs, finalObs and reward (environments with masks).
fn engine_write_mask(n: u32) {
${maskSize > 0 ? `  var state = engine_load_state(n, engine_params.num_envs);
  let mask = env_action_mask(&state);
  let base = engine_params.num_envs * (2u * ENV_OBS_SIZE + 1u) + n * ${maskSize}u;
  for (var k = 0u; k < ${maskSize}u; k += 1u) {
    engine_out[base + k] = mask[k];
  }` : ''}
}

@compute @workgroup_size(${ENV_WORKGROUP_SIZE})
fn ${ENV_RESET_ENTRY}(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = linear_index(gid, nwg, ${ENV_WORKGROUP_SIZE}u);
  let num_envs = engine_params.num_envs;
  if (n >= num_envs) {
    return;
  }
  var state = engine_reset_env(n, num_envs, engine_params.seed);
  var obs = env_observe(&state);
  engine_write_obs(0u, n, &obs);
  engine_write_mask(n);
}

@compute @workgroup_size(${ENV_WORKGROUP_SIZE})
fn ${ENV_STEP_ENTRY}(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = linear_index(gid, nwg, ${ENV_WORKGROUP_SIZE}u);
  let num_envs = engine_params.num_envs;
  if (n >= num_envs) {
    return;
  }
  ${loadAction}
  var result = engine_step_env(n, num_envs, engine_params.seed, engine_params.max_episode_steps, action);
  engine_write_obs(0u, n, &result.obs);
  engine_write_obs(1u, n, &result.final_obs);
  engine_out[2u * num_envs * ENV_OBS_SIZE + n] = result.reward;
  engine_flags[n] = select(0u, ${ENV_FLAG_TERMINATED}u, result.terminated) | select(0u, ${ENV_FLAG_TRUNCATED}u, result.truncated);
  engine_write_mask(n);
}
`;
}

/**
 * The reset and step kernels of the typed-array VecEnv of a two-player game (players: 2, discrete actions), with
 * the bindings of envBatchBindings({ kind: 'index' }):
 *   actions   u32 [num_envs x 2]: player p of environment n at 2n + p
 *   out       f32: obs [num_envs x 2 x ENV_OBS_SIZE] (each player's own view), then final_obs (same shape), then
 *             reward [num_envs x 2] (player 0's, and its negation for player 1)
 *   flags     u32 [num_envs], as envBatchWgsl
 */
export function twoPlayerEnvBatchWgsl(composedCode: string): string {
  return /* wgsl */ `${composedCode}
${linearIndexWgsl}
${envBatchBindings({ kind: 'index' }).wgsl}${twoPlayerEnvStorageWgsl}
fn engine_write_obs(section: u32, n: u32, player: u32, obs: ptr<function, EnvObs>) {
  let base = section * engine_params.num_envs * 2u * ENV_OBS_SIZE + (2u * n + player) * ENV_OBS_SIZE;
  for (var k = 0u; k < ENV_OBS_SIZE; k += 1u) {
    engine_out[base + k] = (*obs)[k];
  }
}

@compute @workgroup_size(${ENV_WORKGROUP_SIZE})
fn ${ENV_RESET_ENTRY}(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = linear_index(gid, nwg, ${ENV_WORKGROUP_SIZE}u);
  let num_envs = engine_params.num_envs;
  if (n >= num_envs) {
    return;
  }
  var state = engine_reset_env(n, num_envs, engine_params.seed);
  for (var p = 0u; p < 2u; p += 1u) {
    var obs = env_observe(&state, p);
    engine_write_obs(0u, n, p, &obs);
  }
}

@compute @workgroup_size(${ENV_WORKGROUP_SIZE})
fn ${ENV_STEP_ENTRY}(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = linear_index(gid, nwg, ${ENV_WORKGROUP_SIZE}u);
  let num_envs = engine_params.num_envs;
  if (n >= num_envs) {
    return;
  }
  let actions = EnvActions(engine_actions[2u * n], engine_actions[2u * n + 1u]);
  var result = engine_step_env_2p(n, num_envs, engine_params.seed, engine_params.max_episode_steps, actions);
  for (var p = 0u; p < 2u; p += 1u) {
    var obs = engine_observe_player(n, num_envs, p);
    engine_write_obs(0u, n, p, &obs);
    var final_obs = env_observe(&result.final_state, p);
    engine_write_obs(1u, n, p, &final_obs);
  }
  engine_out[4u * num_envs * ENV_OBS_SIZE + 2u * n] = result.reward;
  engine_out[4u * num_envs * ENV_OBS_SIZE + 2u * n + 1u] = -result.reward;
  engine_flags[n] = select(0u, ${ENV_FLAG_TERMINATED}u, result.terminated) | select(0u, ${ENV_FLAG_TRUNCATED}u, result.truncated);
}
`;
}
