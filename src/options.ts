/**
 * Checks of the keys of an options object (or a configuration): every key must be one the function knows, as an
 * own property of a plain object; a misspelt key gets the nearest known one as a suggestion. Keys that only
 * exist through the prototype chain (`constructor`, `toString`, an inherited enumerable key) and `__proto__` are
 * refused like any unknown key, so that `key in known` tricks never let them through.
 */

/** An options object with a key the function does not know. */
export class UnknownOptionError extends TypeError {
  override name = 'UnknownOptionError';
  constructor(
    /** The function, e.g. `createEnv('CartPole-v1')`. */
    readonly where: string,
    readonly option: string,
    readonly suggestion: string | undefined,
    readonly known: readonly string[],
    /** 'option' (an options object) or 'key' (a definition). */
    noun = 'option',
  ) {
    super(
      `${where}: unknown ${noun} '${option}'${suggestion ? `, did you mean '${suggestion}'?` : ''} ` +
        `(known ${noun.split(' ')[0]}s: ${known.join(', ')})`,
    );
  }
}

/**
 * Throws UnknownOptionError for the first key of `options` not in `known` (own enumerable keys, then inherited
 * enumerable ones). `options` undefined passes (every option left out); anything that is not an object is a
 * TypeError naming `where`.
 */
export function checkOptionKeys(where: string, options: unknown, known: readonly string[], noun = 'option'): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options is ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}; expected an object with keys among ${known.join(', ')}`);
  }
  const unknown = unknownKey(options, known);
  if (unknown === undefined) return;
  if (!Object.hasOwn(options, unknown)) {
    throw new UnknownOptionError(where, unknown, undefined, known, `${noun} inherited from the object's prototype (only own keys are read):`);
  }
  throw new UnknownOptionError(where, unknown, closestKey(unknown, known), known, noun);
}

/** The first key of `value` (own, then inherited enumerable) that is not one of `known` as an own key; else undefined. */
export function unknownKey(value: object, known: readonly string[]): string | undefined {
  const allowed = new Set(known);
  for (const key of Object.keys(value)) if (!allowed.has(key)) return key;
  // for...in also walks the prototype chain: a key inherited from a prototype other than Object.prototype.
  for (const key in value) if (!Object.hasOwn(value, key)) return key;
  return undefined;
}

/** The known key nearest to a misspelt one (same letters ignoring case and separators, or at most 2 edits away). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.replace(/[_-]/g, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = squash(candidate) === squash(key) ? 0 : editDistance(candidate, key);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
