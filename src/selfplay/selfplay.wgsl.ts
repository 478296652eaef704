/**
 * Self-play inside the fused rollout (a library for src/ppo/rollout.wgsl.ts, which includes it for two-player
 * games) and the reduction of the games' results (owner: src/selfplay/selfPlay.ts).
 *
 * The rollout's `params` binding is then the league buffer, f32 [(1 + window) x P] (P = the agent's parameter
 * count): [the learner's parameters, copied in at the start of the iteration | snapshot slot 0 | ... | slot W-1].
 * The learner's networks read it at offset 0 as usual; the opponent's actor reads it at sp_base = (1 + slot) P, or
 * 0 for the latest self. Per environment n the tracker (f32 [rows][N]) holds, after the episode return and
 * length: row 2 the opponent (slot + 1, window + 1 for the latest self; 0 before the first draw), row 3 the side
 * the learner plays (0 or 1), rows 4 + 3 slot + result the iteration's games (result 0 loss, 1 draw, 2 win;
 * slot window the latest self), zeroed when the rollout starts.
 *
 * At the start of every episode of environment n (and at its first rollout) the opponent is drawn on the GPU from
 * rng(seed, opponent, n, episode number): the latest self with probability play_against_latest_model_ratio (and
 * always while the pool is empty), otherwise a slot uniformly among the filled ones. The learner's side is
 * ((global step of env n) / swap_period + n) mod 2 at the episode's start: half the environments on each side,
 * all switching every swap_period steps per environment (swap_steps / num_envs). Only the learner's samples are
 * stored; the opponent samples its action from its own policy (stream opponentAction).
 */
import { RngStream } from '../../shaders/rng.js';
import { mlpInlineWgsl, mlpRunWgsl, type InlineLayer } from '../../shaders/mlp.js';
import { bindingTable, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

/** The tracker's rows before the games' counts: return, length, opponent, side. */
export const SELF_PLAY_TRACKER_HEAD = 4;

/** Tracker rows of a self-play run with `window` snapshots. */
export function selfPlayTrackerRows(window: number): number {
  return SELF_PLAY_TRACKER_HEAD + 3 * (window + 1);
}

/** The pool as the rollout sees it during one iteration. */
export const SelfPlayRun = uniformStruct('SelfPlayRun', { filled: 'u32', swap_period: 'u32', latest_ratio: 'f32' });

export interface SelfPlayKernelSpec {
  window: number;
  paramCount: number;
  /** The actor's layers (the opponent runs the same network on other parameters). */
  actor: InlineLayer[];
  actionOutputs: number;
}

/**
 * The self-play functions of the rollout: rollout_observe(n), rollout_step(n, action, step) -> EngineStep in the
 * learner's view, selfplay_begin(n) and selfplay_end(n). Needs the two-player storage (twoPlayerEnvStorageWgsl),
 * actorCriticWgsl (network_input, policy_sample) and the `selfplay` uniform, `params`, `tracker` and `store`.
 */
export function selfPlayRolloutWgsl(spec: SelfPlayKernelSpec, maxEpisodeSteps: number): string {
  const W = spec.window;
  const A = spec.actionOutputs;
  return /* wgsl */ `
${mlpInlineWgsl('opponent', spec.actor, (index) => `params[sp_base + ${index}]`)}
${mlpRunWgsl('opponent', spec.actor)}

var<private> sp_base: u32;
var<private> sp_slot: u32;
var<private> sp_side: u32;

fn selfplay_row(row: u32, n: u32) -> u32 {
  return row * store.num_envs + n;
}

// Draws the opponent and the side of environment n's episode that starts at per-environment step 'step'.
fn selfplay_draw(n: u32, step: u32) {
  var rng = rng_create(run.seed, ${RngStream.opponent}u, n, engine_episode_index[n]);
  let u = rng_next4(&rng);
  let filled = selfplay.filled;
  if (filled == 0u || rng_unit(u.x) < selfplay.latest_ratio) {
    sp_slot = ${W}u;
  } else {
    sp_slot = min(u32(rng_unit(u.y) * f32(filled)), filled - 1u);
  }
  sp_base = select((sp_slot + 1u) * ${spec.paramCount}u, 0u, sp_slot == ${W}u);
  sp_side = (step / selfplay.swap_period + n) % 2u;
}

fn selfplay_begin(n: u32, step: u32) {
  for (var b = 0u; b < ${3 * (W + 1)}u; b++) { tracker[selfplay_row(${SELF_PLAY_TRACKER_HEAD}u + b, n)] = 0.0; }
  let code = u32(tracker[selfplay_row(2u, n)]);
  if (code == 0u) {
    selfplay_draw(n, step);
  } else {
    sp_slot = code - 1u;
    sp_base = select((sp_slot + 1u) * ${spec.paramCount}u, 0u, sp_slot == ${W}u);
    sp_side = u32(tracker[selfplay_row(3u, n)]);
  }
}

fn selfplay_end(n: u32) {
  tracker[selfplay_row(2u, n)] = f32(sp_slot + 1u);
  tracker[selfplay_row(3u, n)] = f32(sp_side);
}

fn rollout_observe(n: u32) -> EnvObs {
  return engine_observe_player(n, store.num_envs, sp_side);
}

// One step in the learner's view: the opponent acts from its own view with its own parameters, the game steps,
// the reward is the learner's; where the episode ended its result is counted and the next opponent drawn.
fn rollout_step(n: u32, action: EnvAction, step: u32) -> EngineStep {
  var opponent_obs = engine_observe_player(n, store.num_envs, 1u - sp_side);
  var ox = network_input(&opponent_obs);
  var ohead: array<f32, ${A}>;
  opponent_run(&ox, &ohead);
  var orng = rng_create(run.seed, ${RngStream.opponentAction}u, n, step);
  var osample: array<f32, ACTION_WIDTH>;
  policy_sample(&ohead, &orng, &osample);
  var actions: EnvActions;
  actions[sp_side] = action;
  actions[1u - sp_side] = engine_env_action(&osample);
  let r = engine_step_env_2p(n, store.num_envs, run.seed, ${maxEpisodeSteps}u, actions);
  var out: EngineStep;
  out.reward = select(r.reward, -r.reward, sp_side == 1u);
  out.terminated = r.terminated;
  out.truncated = r.truncated;
  var final_state = r.final_state;
  out.final_obs = env_observe(&final_state, sp_side);
  if (r.terminated || r.truncated) {
    let result = select(select(1u, 2u, out.reward > 0.0), 0u, out.reward < 0.0);
    let row = selfplay_row(${SELF_PLAY_TRACKER_HEAD}u + 3u * sp_slot + result, n);
    tracker[row] = tracker[row] + 1.0;
    selfplay_draw(n, step + 1u);
  }
  out.obs = engine_observe_player(n, store.num_envs, sp_side);
  return out;
}
`;
}

/** The reduction's shape: the buckets (3 (window + 1)) and the environments summed over. */
export const SelfPlayResultsParams = uniformStruct('SelfPlayResultsParams', { num_envs: 'u32', buckets: 'u32' });

export const selfPlayResultsBindings = bindingTable({
  params: uniform(SelfPlayResultsParams),
  tracker: storage('array<f32>'),
  results: storage('array<f32>'),
});

/** results[b] = sum over n of tracker[(4 + b) N + n]: one invocation per bucket, summing in order of n. */
export const selfPlayResultsWgsl = /* wgsl */ `
${selfPlayResultsBindings.wgsl}
@compute @workgroup_size(64)
fn selfplay_results(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x;
  if (b >= params.buckets) { return; }
  var sum = 0.0;
  for (var n = 0u; n < params.num_envs; n++) { sum += tracker[(${SELF_PLAY_TRACKER_HEAD}u + b) * params.num_envs + n]; }
  results[b] = sum;
}
`;
