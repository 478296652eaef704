/**
 * Composition of a GPU environment's WGSL into the engine's batched kernels.
 *
 * An environment's `wgsl` is compiled after this prelude (which it may use):
 *
 *   // the counter-based generator of shaders/rng.ts: struct Rng, rng_uniform(&rng, low, high), rng_normal(&rng), ...
 *   const ENV_STATE_SIZE: u32;            // stateSize
 *   const ENV_OBS_SIZE: u32;              // observationSize
 *   const ENV_NUM_ACTIONS: u32;           // discrete action spaces only
 *   const ENV_ACTION_HEADS: u32;          // multi-discrete only: the number of heads
 *   const ENV_ACTION_NVEC: array<u32, ENV_ACTION_HEADS>;  // multi-discrete only: each head's number of choices
 *   const ENV_ACTION_SIZE: u32;           // box action spaces only
 *   const ENV_ACTION_LOW / ENV_ACTION_HIGH: array<f32, ENV_ACTION_SIZE>;  // box only: the space's bounds
 *   alias EnvState = array<f32, ENV_STATE_SIZE>;
 *   alias EnvObs = array<f32, ENV_OBS_SIZE>;
 *   alias EnvAction = u32;                              // discrete: the action index
 *   alias EnvAction = array<u32, ENV_ACTION_HEADS>;     // multi-discrete: one index per head
 *   alias EnvAction = array<f32, ENV_ACTION_SIZE>;      // box: the raw action (clip it yourself if Gymnasium does)
 *   const ENV_ACTION_MASK_SIZE: u32;      // actionMask only: n, or Σ nvec (every head's choices in order)
 *   alias EnvActionMask = array<f32, ENV_ACTION_MASK_SIZE>;   // actionMask only: 1 allowed, 0 not
 *   struct EnvStep { reward: f32, terminated: bool }
 *
 *   const ENV_PLAYERS: u32;               // two-player games only: 2
 *   alias EnvActions = array<EnvAction, 2>;             // two-player games only: player 0's, then player 1's
 *
 * and must define exactly these three functions (four with actionMask):
 *
 *   fn env_reset(rng: ptr<function, Rng>) -> EnvState
 *   fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep
 *   fn env_observe(state: ptr<function, EnvState>) -> EnvObs
 *
 * A two-player zero-sum game (players: 2) defines instead
 *
 *   fn env_step(state: ptr<function, EnvState>, actions: EnvActions, rng: ptr<function, Rng>) -> EnvStep
 *                                         (reward: player 0's; player 1's is its negation)
 *   fn env_observe(state: ptr<function, EnvState>, player: u32) -> EnvObs     (the game seen from that side)
 *   fn env_action_mask(state: ptr<function, EnvState>) -> EnvActionMask    (actionMask: true; at least one
 *                                         allowed choice per head in every state the environment reaches)
 *
 * The engine owns everything around them: the state's storage (feature-major, component s of environment n at
 * s * numEnvs + n), the time limit (truncated once maxEpisodeSteps steps are taken), auto-reset in the same step,
 * and the generators (reset: stream envReset, index n, counter = episode number; step: stream envStep with the
 * step number in the upper bits, index n, counter = episode number). Names starting with `engine_` are reserved.
 */
import { rngWgsl } from '../../shaders/rng.js';
import { categoricalHeads, type GpuEnvDefinition } from './spec.js';

export interface ComposedEnv {
  /** Prelude + the environment's code; kernels append their own bindings and entry points after it. */
  code: string;
  /** 1-based line of `code` where the environment's own code starts. */
  firstEnvLine: number;
  /** Number of lines of the environment's own code. */
  envLineCount: number;
}

export function envPrelude(def: GpuEnvDefinition): string {
  const lines = [
    rngWgsl,
    `const ENV_STATE_SIZE: u32 = ${def.stateSize}u;`,
    `const ENV_OBS_SIZE: u32 = ${def.observationSize}u;`,
  ];
  if (def.action.type === 'discrete') {
    lines.push(`const ENV_NUM_ACTIONS: u32 = ${def.action.n}u;`, 'alias EnvAction = u32;');
  } else if (def.action.type === 'multiDiscrete') {
    const K = def.action.nvec.length;
    lines.push(
      `const ENV_ACTION_HEADS: u32 = ${K}u;`,
      `const ENV_ACTION_NVEC = array<u32, ${K}>(${def.action.nvec.map((n) => `${n}u`).join(', ')});`,
      `alias EnvAction = array<u32, ${K}>;`,
    );
  } else {
    const floats = (values: number[]) => values.map((v) => wgslFloat(v)).join(', ');
    lines.push(
      `const ENV_ACTION_SIZE: u32 = ${def.action.size}u;`,
      `const ENV_ACTION_LOW = array<f32, ${def.action.size}>(${floats(def.action.low)});`,
      `const ENV_ACTION_HIGH = array<f32, ${def.action.size}>(${floats(def.action.high)});`,
      `alias EnvAction = array<f32, ${def.action.size}>;`,
    );
  }
  if (def.actionMask) {
    lines.push(`const ENV_ACTION_MASK_SIZE: u32 = ${policyWidth(def)}u;`, 'alias EnvActionMask = array<f32, ENV_ACTION_MASK_SIZE>;');
  }
  if (def.players === 2) lines.push('const ENV_PLAYERS: u32 = 2u;', 'alias EnvActions = array<EnvAction, 2>;');
  lines.push(
    'alias EnvState = array<f32, ENV_STATE_SIZE>;',
    'alias EnvObs = array<f32, ENV_OBS_SIZE>;',
    'struct EnvStep { reward: f32, terminated: bool }',
    engineActionWgsl(def),
  );
  return lines.join('\n');
}

/** Logits (categorical) or means (box) of the space: the mask's length. */
function policyWidth(def: GpuEnvDefinition): number {
  const heads = categoricalHeads(def.action);
  return heads ? heads.reduce((a, b) => a + b, 0) : (def.action as { size: number }).size;
}

/**
 * `engine_env_action(choice)`: what env_step receives for the policy's choice (one f32 per head: the index; box:
 * the clipped action).
 */
function engineActionWgsl(def: GpuEnvDefinition): string {
  const width = categoricalHeads(def.action)?.length ?? (def.action as { size: number }).size;
  const body =
    def.action.type === 'discrete'
      ? 'return u32((*choice)[0]);'
      : def.action.type === 'multiDiscrete'
        ? `var action: EnvAction;\n  for (var h = 0u; h < ${width}u; h++) { action[h] = u32((*choice)[h]); }\n  return action;`
        : 'return *choice;';
  return `fn engine_env_action(choice: ptr<function, array<f32, ${width}>>) -> EnvAction {\n  ${body}\n}`;
}

export function composeEnv(def: GpuEnvDefinition): ComposedEnv {
  const prelude = `${envPrelude(def)}\n// ---- environment ${def.id} ----\n`;
  const firstEnvLine = prelude.split('\n').length;
  const code = `${prelude}${def.wgsl}\n// ---- end of environment ${def.id} ----\n`;
  return { code, firstEnvLine, envLineCount: def.wgsl.split('\n').length };
}

/** For ShaderCompileError: says which line of the environment's own WGSL a line of the composed code is. */
export function envLineLocator(def: GpuEnvDefinition, composed: ComposedEnv): (line: number) => string | undefined {
  return (line) => {
    const envLine = line - composed.firstEnvLine + 1;
    if (envLine < 1 || envLine > composed.envLineCount) return undefined;
    return `line ${envLine} of the WGSL of environment '${def.id}'`;
  };
}

/** A WGSL f32 literal that round-trips (no exponent surprises, always a decimal point). */
export function wgslFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a WGSL f32 literal`);
  const text = String(Math.fround(value));
  return /[.e]/.test(text) ? text : `${text}.0`;
}
