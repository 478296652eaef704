/**
 * The environment registry: every environment, built-in or custom, GPU (WGSL) or JavaScript, is registered under
 * its id through the same two doors, defineGpuEnv and defineJsEnv, which validate the definition first. Importing
 * this module registers the built-ins (Gymnasium's classic control, src/envs/builtins).
 */
import { BUILTIN_ENVS } from './builtins/index.js';
import { EnvInputError, UnknownEnvError, describeValue } from './errors.js';
import { requirePositiveInteger, validateSpecFields } from './validate.js';
import { checkOptionKeys } from '../options.js';
import type { JsEnvDefinition, JsEnvDefinitionInput } from './jsEnv.js';
import type { EnvSpec, GpuEnvDefinition } from './spec.js';

export type EnvDefinition = GpuEnvDefinition | JsEnvDefinition;

/** What defineGpuEnv accepts: rewardThreshold may be left out (none). */
export type GpuEnvDefinitionInput = Omit<GpuEnvDefinition, 'rewardThreshold'> & { rewardThreshold?: number | null };

/** One row of listEnvs(). */
export interface EnvInfo extends EnvSpec {
  kind: 'gpu' | 'js';
  builtin: boolean;
}

export interface DefineOptions {
  /** Replace a custom environment already registered under this id (built-ins cannot be replaced). */
  replace?: boolean;
}

interface Entry {
  kind: 'gpu' | 'js';
  builtin: boolean;
  definition: EnvDefinition;
}

const entries = new Map<string, Entry>();

/** The three functions an environment's WGSL must define (src/envs/compose.ts). */
const REQUIRED_FUNCTIONS = ['env_reset', 'env_step', 'env_observe'] as const;

export function isGpuEnvDefinition(definition: EnvDefinition): definition is GpuEnvDefinition {
  return typeof (definition as GpuEnvDefinition).wgsl === 'string';
}

function validateStateFields(where: string, def: Record<string, unknown>, required: boolean): { stateSize?: number; stateNames?: string[] } {
  if (def.stateSize === undefined && !required) {
    if (def.stateNames !== undefined) throw new EnvInputError(where, 'stateNames', describeValue(def.stateNames), 'absent when stateSize is absent');
    return {};
  }
  const stateSize = requirePositiveInteger(where, 'stateSize', def.stateSize);
  if (def.stateNames === undefined) return { stateSize };
  const names = def.stateNames;
  if (!Array.isArray(names) || names.length !== stateSize || !names.every((name) => typeof name === 'string')) {
    throw new EnvInputError(where, 'stateNames', describeValue(names), `an array of ${stateSize} strings (one per state component)`);
  }
  return { stateSize, stateNames: [...names] };
}

/** The keys of a definition, shared by both kinds; each kind adds its code (wgsl or create). */
const SPEC_KEYS = ['id', 'observationSize', 'observationShape', 'action', 'actionMask', 'maxEpisodeSteps', 'rewardThreshold', 'stateSize', 'stateNames', 'players'] as const;
const GPU_KEYS = [...SPEC_KEYS, 'wgsl'];
const JS_KEYS = [...SPEC_KEYS, 'create'];

/** Checks the second argument of defineGpuEnv / defineJsEnv; returns whether to replace. */
function checkDefineOptions(where: string, options: unknown): boolean {
  checkOptionKeys(`${where}(definition, options)`, options, ['replace']);
  const replace = (options as DefineOptions | undefined)?.replace ?? false;
  if (typeof replace !== 'boolean') throw new EnvInputError(where, 'options.replace', describeValue(replace), 'true or false');
  return replace;
}

/** Refuses a key of the definition that neither kind knows (`replace` belongs in the options, not here). */
function checkDefinitionKeys(where: string, definition: unknown, known: readonly string[]): void {
  if (typeof definition !== 'object' || definition === null) return; // validateSpecFields names it
  if (Object.hasOwn(definition, 'replace')) {
    throw new EnvInputError(where, 'replace', describeValue((definition as { replace: unknown }).replace), `no such key in a definition; pass it as the second argument: ${where}(definition, { replace: true })`);
  }
  checkOptionKeys(`${where}(definition)`, definition, known, 'key');
}

/**
 * Registers under the definition's id. An id already taken is refused unless `replace` is true and the entry
 * there is custom (of either kind: a GPU environment may replace a JavaScript one and the reverse); built-ins are
 * never replaced. Trainers and batches made before keep the definition they were made with.
 */
function register(where: string, entry: Entry, replace: boolean): void {
  const id = entry.definition.id;
  const existing = entries.get(id);
  if (existing && (existing.builtin || !replace)) {
    throw new EnvInputError(
      where,
      'id',
      JSON.stringify(id),
      existing.builtin
        ? 'an id not taken by a built-in environment'
        : `an id not registered yet (pass { replace: true } to replace the ${existing.kind === 'gpu' ? 'GPU' : 'JavaScript'} environment registered under it)`,
    );
  }
  entries.set(id, entry);
}

function validateGpuDefinition(where: string, value: unknown): GpuEnvDefinition {
  const spec = validateSpecFields(where, value);
  const def = value as Record<string, unknown>;
  const { stateSize, stateNames } = validateStateFields(where, def, true);
  const wgsl = def.wgsl;
  if (typeof wgsl !== 'string' || wgsl.trim() === '') {
    throw new EnvInputError(where, 'wgsl', describeValue(wgsl), 'the WGSL source of env_reset, env_step and env_observe (src/envs/compose.ts)');
  }
  const code = wgsl.replace(/\/\/[^\n]*/g, '');
  for (const name of [...REQUIRED_FUNCTIONS, ...(spec.actionMask ? ['env_action_mask'] : [])]) {
    if (!new RegExp(`\\bfn\\s+${name}\\s*\\(`).test(code)) {
      throw new EnvInputError(where, 'wgsl', `code without fn ${name}`, `a definition of fn ${name} (see src/envs/compose.ts for its signature)`);
    }
  }
  // Two parameters at the top level of the list (the state's ptr<function, EnvState> has a comma of its own).
  const observeParams = /\bfn\s+env_observe\s*\(([^)]*)\)/.exec(code)?.[1]?.replace(/<[^<>]*>/g, '') ?? '';
  if (spec.players === 2 && observeParams.split(',').filter((p) => p.trim() !== '').length !== 2) {
    throw new EnvInputError(where, 'wgsl', 'fn env_observe without a player parameter', 'fn env_observe(state: ptr<function, EnvState>, player: u32) -> EnvObs for a two-player game (players: 2)');
  }
  const reserved = /\b(?:fn|var|let|const|override|struct|alias)\s+((?:engine_|ENGINE_)\w*)/.exec(code);
  if (reserved) {
    throw new EnvInputError(where, 'wgsl', `code declaring '${reserved[1]}'`, "no declarations of names starting with 'engine_' or 'ENGINE_' (reserved)");
  }
  return Object.freeze({ ...spec, stateSize: stateSize!, ...(stateNames ? { stateNames } : {}), wgsl });
}

function validateJsDefinition(where: string, value: unknown): JsEnvDefinition {
  const spec = validateSpecFields(where, value);
  const def = value as Record<string, unknown>;
  const state = validateStateFields(where, def, false);
  if (typeof def.create !== 'function') {
    throw new EnvInputError(where, 'create', describeValue(def.create), 'a function ({ numEnvs, seed, spec }) => batch (see JsEnvBatch in src/envs/jsEnv.ts)');
  }
  return Object.freeze({ ...spec, ...state, create: def.create as JsEnvDefinition['create'] });
}

/**
 * Registers a GPU environment written in WGSL (see src/envs/compose.ts for the prelude and the three functions)
 * and returns its validated definition. Its code is compiled when the first batch of it is created; a compile
 * error then comes as ShaderCompileError with the line numbers of this `wgsl` text.
 */
export function defineGpuEnv(definition: GpuEnvDefinitionInput, options: DefineOptions = {}): GpuEnvDefinition {
  const replace = checkDefineOptions('defineGpuEnv', options);
  checkDefinitionKeys('defineGpuEnv', definition, GPU_KEYS);
  const valid = validateGpuDefinition('defineGpuEnv', definition);
  register('defineGpuEnv', { kind: 'gpu', builtin: false, definition: valid }, replace);
  return valid;
}

/** Registers a JavaScript environment (a batched game over arrays, see JsEnvBatch) and returns its definition. */
export function defineJsEnv(definition: JsEnvDefinitionInput, options: DefineOptions = {}): JsEnvDefinition {
  const replace = checkDefineOptions('defineJsEnv', options);
  checkDefinitionKeys('defineJsEnv', definition, JS_KEYS);
  const valid = validateJsDefinition('defineJsEnv', definition);
  register('defineJsEnv', { kind: 'js', builtin: false, definition: valid }, replace);
  return valid;
}

/** Every registered environment, built-ins first, then custom ones in the order they were defined. */
export function listEnvs(): EnvInfo[] {
  return [...entries.values()].map(({ kind, builtin, definition: d }) => ({
    id: d.id,
    observationSize: d.observationSize,
    action: d.action,
    maxEpisodeSteps: d.maxEpisodeSteps,
    rewardThreshold: d.rewardThreshold,
    ...(d.players === 2 ? { players: 2 as const } : {}),
    kind,
    builtin,
  }));
}

/** The definition registered under `id`; UnknownEnvError (listing the known ids) when there is none. */
export function getEnvDefinition(id: string): EnvDefinition {
  const entry = entries.get(id);
  if (!entry) throw new UnknownEnvError(String(id), [...entries.keys()]);
  return entry.definition;
}

for (const builtin of BUILTIN_ENVS) {
  const valid = validateGpuDefinition(`built-in ${builtin.id}`, builtin);
  register('built-ins', { kind: 'gpu', builtin: true, definition: valid }, false);
}
