/**
 * Composition of a GPU environment's WGSL into the engine's batched kernels.
 *
 * An environment's `wgsl` is compiled after this prelude (which it may use):
 *
 *   // the counter-based generator of shaders/rng.ts: struct Rng, rng_uniform(&rng, low, high), rng_normal(&rng), ...
 *   const ENV_STATE_SIZE: u32;            // stateSize
 *   const ENV_OBS_SIZE: u32;              // observationSize
 *   const ENV_NUM_ACTIONS: u32;           // discrete action spaces only
 *   const ENV_ACTION_SIZE: u32;           // box action spaces only
 *   const ENV_ACTION_LOW / ENV_ACTION_HIGH: array<f32, ENV_ACTION_SIZE>;  // box only: the space's bounds
 *   alias EnvState = array<f32, ENV_STATE_SIZE>;
 *   alias EnvObs = array<f32, ENV_OBS_SIZE>;
 *   alias EnvAction = u32;                              // discrete: the action index
 *   alias EnvAction = array<f32, ENV_ACTION_SIZE>;      // box: the raw action (clip it yourself if Gymnasium does)
 *   struct EnvStep { reward: f32, terminated: bool }
 *
 * and must define exactly these three functions:
 *
 *   fn env_reset(rng: ptr<function, Rng>) -> EnvState
 *   fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep
 *   fn env_observe(state: ptr<function, EnvState>) -> EnvObs
 *
 * The engine owns everything around them: the state's storage (feature-major, component s of environment n at
 * s * numEnvs + n), the time limit (truncated once maxEpisodeSteps steps are taken), auto-reset in the same step,
 * and the generators (reset: stream envReset, index n, counter = episode number; step: stream envStep with the
 * step number in the upper bits, index n, counter = episode number). Names starting with `engine_` are reserved.
 */
import { rngWgsl } from '../../shaders/rng.js';
import type { GpuEnvDefinition } from './spec.js';

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
  } else {
    const floats = (values: number[]) => values.map((v) => wgslFloat(v)).join(', ');
    lines.push(
      `const ENV_ACTION_SIZE: u32 = ${def.action.size}u;`,
      `const ENV_ACTION_LOW = array<f32, ${def.action.size}>(${floats(def.action.low)});`,
      `const ENV_ACTION_HIGH = array<f32, ${def.action.size}>(${floats(def.action.high)});`,
      `alias EnvAction = array<f32, ${def.action.size}>;`,
    );
  }
  lines.push(
    'alias EnvState = array<f32, ENV_STATE_SIZE>;',
    'alias EnvObs = array<f32, ENV_OBS_SIZE>;',
    'struct EnvStep { reward: f32, terminated: bool }',
  );
  return lines.join('\n');
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
