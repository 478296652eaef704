/**
 * A small seeded xorshift32 generator: uniform numbers in [0, 1) that are the same on every run and platform, for
 * the tests' inputs and the benchmark's actions (never for training, whose streams are the engine's own RNG).
 */
export function seededRandom(seed: number): () => number {
  let state = (seed * 0x9e3779b9 + 0x7f4a7c15) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}
