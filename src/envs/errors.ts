/**
 * The errors of the environment layer. Each names the field at fault, the value it got and what was expected, and
 * is thrown before anything is changed (a rejected step leaves every environment as it was).
 */

/** Bad input to an environment API: an option, an actions or state array, a definition field. */
export class EnvInputError extends Error {
  override name = 'EnvInputError';
  constructor(
    /** Where: e.g. `createEnv('CartPole-v1')`, `CartPole-v1.step`, `defineGpuEnv`. */
    readonly where: string,
    /** The field, e.g. `numEnvs`, `actions[3]`, `action.low`. */
    readonly field: string,
    /** What was given, described. */
    readonly got: string,
    /** What is accepted. */
    readonly expected: string,
  ) {
    super(`${where}: ${field} is ${got}; expected ${expected}`);
  }
}

/** An id that no environment is registered under. */
export class UnknownEnvError extends Error {
  override name = 'UnknownEnvError';
  constructor(
    readonly id: string,
    readonly known: readonly string[],
  ) {
    super(`unknown environment id ${JSON.stringify(id)}; known environments: ${known.join(', ')}`);
  }
}

/** A short description of any value for error messages: its type and, for small values, the value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length;
    return `a ${value.constructor.name}${length !== undefined ? ` of length ${length}` : ''}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/**
 * A GPU environment's state whose action mask allows nothing in some head (found by the kernel that applied it):
 * names the environment, which of its environments or episodes, and the step.
 */
export function emptyMaskError(envId: string, which: string, step: number): EnvInputError {
  return new EnvInputError(`${envId}.env_action_mask`, `the mask of ${which} at step ${step}`, 'all 0 in a head (no allowed action)', 'at least one allowed action in every head of every state');
}
