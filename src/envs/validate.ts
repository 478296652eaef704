/**
 * Checks of everything a user hands to the environment layer: definitions, creation options, actions, states.
 * Each check throws EnvInputError naming the field, the value and what was expected, and changes nothing.
 */
import { EnvInputError, describeValue } from './errors.js';
import { MAX_EPISODE_STEPS_LIMIT } from './gpuEnv.wgsl.js';
import { categoricalHeads, type ActionSpace, type EnvSpec } from './spec.js';

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function requirePositiveInteger(where: string, field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (!isPositiveInteger(value) || value > max) {
    throw new EnvInputError(where, field, describeValue(value), `a positive integer${max < Number.MAX_SAFE_INTEGER ? ` <= ${max}` : ''}`);
  }
  return value;
}

/** A seed: an integer in [0, 2^32) (it is a u32 of the counter-based generator). */
export function requireSeed(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new EnvInputError(where, 'seed', describeValue(value), 'an integer in [0, 4294967295]');
  }
  return value;
}

function requireFiniteArray(where: string, field: string, value: unknown, length: number): number[] {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new EnvInputError(where, field, describeValue(value), `an array of ${length} finite numbers`);
  }
  const values = Array.from(value as ArrayLike<unknown>);
  if (values.length !== length) {
    throw new EnvInputError(where, `${field}.length`, String(values.length), `${length} (action.size)`);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new EnvInputError(where, `${field}[${i}]`, describeValue(v), 'a finite number');
    }
  });
  return values as number[];
}

export function validateActionSpace(where: string, value: unknown): ActionSpace {
  if (typeof value !== 'object' || value === null) {
    throw new EnvInputError(where, 'action', describeValue(value), "{ type: 'discrete', n }, { type: 'multiDiscrete', nvec } or { type: 'box', size, low, high }");
  }
  const action = value as Record<string, unknown>;
  if (action.type === 'discrete') {
    return { type: 'discrete', n: requirePositiveInteger(where, 'action.n', action.n) };
  }
  if (action.type === 'multiDiscrete') {
    const expected = 'a non-empty array of positive integers (the choices of each head)';
    if (!Array.isArray(action.nvec) || action.nvec.length === 0) throw new EnvInputError(where, 'action.nvec', describeValue(action.nvec), expected);
    const nvec = action.nvec.map((n, i) => requirePositiveInteger(where, `action.nvec[${i}]`, n));
    return { type: 'multiDiscrete', nvec };
  }
  if (action.type === 'box') {
    const size = requirePositiveInteger(where, 'action.size', action.size);
    const low = requireFiniteArray(where, 'action.low', action.low, size);
    const high = requireFiniteArray(where, 'action.high', action.high, size);
    low.forEach((lo, i) => {
      if (!(lo <= high[i]!)) {
        throw new EnvInputError(where, `action.low[${i}]`, String(lo), `at most action.high[${i}] = ${high[i]}`);
      }
    });
    return { type: 'box', size, low, high };
  }
  throw new EnvInputError(where, 'action.type', describeValue(action.type), "'discrete', 'multiDiscrete' or 'box'");
}

/** The fields every environment definition shares (id, spaces, limit, threshold), validated and normalised. */
export function validateSpecFields(where: string, value: unknown): EnvSpec {
  if (typeof value !== 'object' || value === null) {
    throw new EnvInputError(where, 'definition', describeValue(value), 'an object');
  }
  const def = value as Record<string, unknown>;
  if (typeof def.id !== 'string' || !/^\S+$/.test(def.id)) {
    throw new EnvInputError(where, 'id', describeValue(def.id), "a non-empty string without spaces, e.g. 'MyGame-v0'");
  }
  const observationSize = requirePositiveInteger(where, 'observationSize', def.observationSize);
  const observationShape = def.observationShape === undefined ? undefined : validateObservationShape(where, def.observationShape, observationSize);
  const action = validateActionSpace(where, def.action);
  const maxEpisodeSteps = requirePositiveInteger(where, 'maxEpisodeSteps', def.maxEpisodeSteps, MAX_EPISODE_STEPS_LIMIT);
  const threshold = def.rewardThreshold;
  if (threshold !== undefined && threshold !== null && (typeof threshold !== 'number' || !Number.isFinite(threshold))) {
    throw new EnvInputError(where, 'rewardThreshold', describeValue(threshold), 'a finite number, or null/absent for none');
  }
  if (def.actionMask !== undefined && typeof def.actionMask !== 'boolean') {
    throw new EnvInputError(where, 'actionMask', describeValue(def.actionMask), 'true (the environment gives an action mask) or false/absent');
  }
  if (def.actionMask === true && action.type === 'box') {
    throw new EnvInputError(where, 'actionMask', 'true', "false/absent for a box action space (masks are for 'discrete' and 'multiDiscrete' actions)");
  }
  if (def.players !== undefined && def.players !== 1 && def.players !== 2) {
    throw new EnvInputError(where, 'players', describeValue(def.players), '2 (a two-player zero-sum game), or 1/absent for one player');
  }
  const players = def.players === 2 ? 2 : undefined;
  if (players && action.type !== 'discrete') {
    throw new EnvInputError(where, 'action.type', describeValue(action.type), "'discrete' for a two-player game (players: 2)");
  }
  if (players && def.actionMask === true) {
    throw new EnvInputError(where, 'actionMask', 'true', 'false/absent for a two-player game (players: 2)');
  }
  return {
    id: def.id,
    observationSize,
    ...(observationShape ? { observationShape } : {}),
    action,
    maxEpisodeSteps,
    rewardThreshold: (threshold as number | null | undefined) ?? null,
    ...(def.actionMask === true ? { actionMask: true } : {}),
    ...(players ? { players } : {}),
  };
}

/** An observation shape: a non-empty array of positive integers whose product is observationSize. */
export function validateObservationShape(where: string, value: unknown, observationSize: number): number[] {
  const expected = `a non-empty array of positive integers whose product is observationSize (${observationSize})`;
  if (!Array.isArray(value) || value.length === 0) throw new EnvInputError(where, 'observationShape', describeValue(value), expected);
  value.forEach((d, i) => {
    if (!isPositiveInteger(d)) throw new EnvInputError(where, `observationShape[${i}]`, describeValue(d), 'a positive integer');
  });
  const product = (value as number[]).reduce((a, b) => a * b, 1);
  if (product !== observationSize) {
    throw new EnvInputError(where, 'observationShape', `[${value.join(', ')}] (product ${product})`, expected);
  }
  return [...(value as number[])];
}

/** Expected constructor and meaning of the actions array of a space, for messages. */
export function actionsExpectation(action: ActionSpace, numEnvs: number): string {
  if (action.type === 'discrete') return `an Int32Array of ${numEnvs} action indices in [0, ${action.n - 1}] (one per environment)`;
  if (action.type === 'multiDiscrete') {
    const K = action.nvec.length;
    return `an Int32Array of ${numEnvs * K} action indices (${numEnvs} environments x ${K} heads, row-major; head i in [0, nvec[i] - 1], nvec [${action.nvec.join(', ')}])`;
  }
  return `a Float32Array of ${numEnvs * action.size} finite numbers (${numEnvs} environments x ${action.size}, row-major)`;
}

/** Checks an actions array against the space and batch size; never clips. */
export function validateActions(where: string, action: ActionSpace, numEnvs: number, actions: unknown): Int32Array | Float32Array {
  const expected = actionsExpectation(action, numEnvs);
  if (action.type === 'discrete') {
    if (!(actions instanceof Int32Array)) throw new EnvInputError(where, 'actions', describeValue(actions), expected);
    if (actions.length !== numEnvs) throw new EnvInputError(where, 'actions.length', String(actions.length), expected);
    for (let i = 0; i < numEnvs; i++) {
      const a = actions[i]!;
      if (a < 0 || a >= action.n) {
        throw new EnvInputError(where, `actions[${i}]`, String(a), `an action index in [0, ${action.n - 1}]`);
      }
    }
    return actions;
  }
  if (action.type === 'multiDiscrete') {
    const K = action.nvec.length;
    if (!(actions instanceof Int32Array)) throw new EnvInputError(where, 'actions', describeValue(actions), expected);
    if (actions.length !== numEnvs * K) throw new EnvInputError(where, 'actions.length', String(actions.length), expected);
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      const n = action.nvec[i % K]!;
      if (a < 0 || a >= n) {
        throw new EnvInputError(where, `actions[${i}] (environment ${Math.floor(i / K)}, head ${i % K})`, String(a), `an action index in [0, ${n - 1}]`);
      }
    }
    return actions;
  }
  if (!(actions instanceof Float32Array)) throw new EnvInputError(where, 'actions', describeValue(actions), expected);
  const length = numEnvs * action.size;
  if (actions.length !== length) throw new EnvInputError(where, 'actions.length', String(actions.length), expected);
  for (let i = 0; i < length; i++) {
    const a = actions[i]!;
    if (!Number.isFinite(a)) {
      const field = action.size === 1 ? `actions[${i}]` : `actions[${i}] (environment ${Math.floor(i / action.size)}, component ${i % action.size})`;
      throw new EnvInputError(where, field, String(a), 'a finite number');
    }
  }
  return actions;
}

/** Checks a state array (numEnvs x stateSize, row-major, finite). */
export function validateState(where: string, state: unknown, numEnvs: number, stateSize: number, names?: readonly string[]): Float32Array {
  const expected = `a Float32Array of ${numEnvs * stateSize} finite numbers (${numEnvs} environments x ${stateSize} state components${names ? ` [${names.join(', ')}]` : ''}, row-major)`;
  if (!(state instanceof Float32Array)) throw new EnvInputError(where, 'state', describeValue(state), expected);
  if (state.length !== numEnvs * stateSize) throw new EnvInputError(where, 'state.length', String(state.length), expected);
  for (let i = 0; i < state.length; i++) {
    if (!Number.isFinite(state[i]!)) {
      const s = i % stateSize;
      throw new EnvInputError(
        where,
        `state[${i}] (environment ${Math.floor(i / stateSize)}, ${names?.[s] ?? `component ${s}`})`,
        String(state[i]),
        'a finite number',
      );
    }
  }
  return state;
}

/**
 * Checks action masks: numEnvs rows of Σ nvec entries (the heads' slices in order), each 0 (not allowed) or 1
 * (allowed), with at least one allowed choice in every head of every row. `rowName` names a row in messages.
 */
export function validateActionMask(where: string, action: ActionSpace, rows: number, mask: unknown, rowName = 'environment'): Float32Array {
  const heads = categoricalHeads(action);
  if (!heads) throw new EnvInputError(where, 'mask', describeValue(mask), "no mask: masks are for 'discrete' and 'multiDiscrete' action spaces");
  const width = heads.reduce((a, b) => a + b, 0);
  const expected = `a Float32Array or Uint8Array of ${rows * width} values in {0, 1} (${rows} ${rowName}s x ${width} choices${heads.length > 1 ? ` of heads [${heads.join(', ')}]` : ''}, row-major; 1 = allowed)`;
  if (!(mask instanceof Float32Array || mask instanceof Uint8Array)) throw new EnvInputError(where, 'mask', describeValue(mask), expected);
  if (mask.length !== rows * width) throw new EnvInputError(where, 'mask.length', String(mask.length), expected);
  const values = mask instanceof Float32Array ? mask : Float32Array.from(mask);
  for (let r = 0; r < rows; r++) {
    let start = r * width;
    for (let h = 0; h < heads.length; h++) {
      let allowed = 0;
      for (let j = start; j < start + heads[h]!; j++) {
        const v = values[j]!;
        if (v !== 0 && v !== 1) throw new EnvInputError(where, `mask[${j}] (${rowName} ${r}${heads.length > 1 ? `, head ${h}` : ''}, choice ${j - start})`, String(v), '0 (not allowed) or 1 (allowed)');
        allowed += v;
      }
      if (allowed === 0) {
        throw new EnvInputError(where, `mask of ${rowName} ${r}${heads.length > 1 ? `, head ${h}` : ''}`, 'all 0 (no allowed action)', 'at least one allowed action (a 1)');
      }
      start += heads[h]!;
    }
  }
  return values;
}
