/**
 * CleanRL's orthogonal initialisation of the MLPs' weights (src/nn/init.ts).
 */
import { describe, expect, test } from 'vitest';
import { orthogonal, initRng } from '../../src/nn/init.js';

describe('orthogonal initialisation', () => {
  test.each([
    [4, 64],
    [64, 64],
    [64, 2],
    [7, 3],
  ])('a %i x %i weight has orthonormal columns or rows, times the gain', (inputs, outputs) => {
    const gain = Math.SQRT2;
    const w = orthogonal(inputs, outputs, gain, initRng(5, 0));
    // W is [inputs][outputs]; Wᵀ W = gain² I when inputs >= outputs, W Wᵀ = gain² I otherwise.
    const n = Math.min(inputs, outputs);
    for (let a = 0; a < n; a++) {
      for (let c = 0; c < n; c++) {
        let dot = 0;
        if (inputs >= outputs) for (let k = 0; k < inputs; k++) dot += w[k * outputs + a]! * w[k * outputs + c]!;
        else for (let j = 0; j < outputs; j++) dot += w[a * outputs + j]! * w[c * outputs + j]!;
        expect(dot).toBeCloseTo(a === c ? gain * gain : 0, 10);
      }
    }
  });
});
