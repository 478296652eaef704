/**
 * The kernel lab's validations (bench/kernels/): every variant of each operation agrees with its float64 reference
 * at a tiny size, so a wrong variant or a broken engine kernel fails here, not only in `npm run bench:kernels`.
 * Validation only; the lab's timings belong to the benchmark.
 */
import { describe, expect } from 'vitest';
import { buildGradientBench, GRADIENT_VARIANTS, validateGradient } from '../bench/kernels/gradients.js';
import { buildAdamBench, validateAdam } from '../bench/kernels/adam.js';
import { buildDenseBench, DENSE_VARIANTS, denseShapeProblem, validateDense, variantName } from '../bench/kernels/dense.js';
import { buildTrpoBench, validateTrpo } from '../bench/kernels/trpo.js';
import { SINGLE_PASS_LIMIT } from '../src/nn/reduction.js';
import { gpuTest } from './helpers/gpu.js';

describe('kernel lab', () => {
  for (const variant of Object.keys(GRADIENT_VARIANTS)) {
    gpuTest(`gradient kernel '${variant}' equals the float64 analytic gradient at batches 7 and 65`, async (gpu) => {
      for (const batch of [7, 65]) {
        const bench = await buildGradientBench(gpu, batch, variant, [5, 4]);
        try {
          expect(await validateGradient(gpu, bench)).toBeLessThan(1e-4);
        } finally {
          bench.destroy();
        }
      }
    });
  }

  gpuTest('every dense-layer layout equals the float64 layer (inputs 5, outputs 12 and 70, batch 1024)', async (gpu) => {
    // 70 outputs leave the second block of 64 mostly idle (output-major, staged); 12 gives the outer layout three
    // lanes. The sample-major layouts are the engine's generator, at 12 outputs only: their private arrays make
    // them the slow ones to compile.
    for (const outputs of [12, 70]) {
      const shape = { inputs: 5, outputs, batch: 1024 };
      for (const variant of DENSE_VARIANTS) {
        if (denseShapeProblem(variant, shape) || (variant.layout === 'sample-major' && outputs !== 12)) continue;
        const bench = await buildDenseBench(gpu, variant, shape);
        try {
          expect(await validateDense(gpu, bench), variantName(variant)).toBeLessThan(1e-5);
        } finally {
          bench.destroy();
        }
      }
    }
  });

  gpuTest("TRPO's actor step equals the float64 step at batch 65", async (gpu) => {
    const bench = await buildTrpoBench(gpu, 65, [5, 4]);
    try {
      expect(await validateTrpo(gpu, bench)).toBeLessThan(1e-3);
    } finally {
      bench.destroy();
    }
  });

  gpuTest('Adam equals torch.optim.Adam in float64, with the one-pass and the two-pass norm', async (gpu) => {
    for (const count of [65, SINGLE_PASS_LIMIT + 7]) {
      const bench = await buildAdamBench(gpu, count);
      try {
        expect(await validateAdam(gpu, bench)).toBeLessThan(1e-5);
      } finally {
        bench.destroy();
      }
    }
  });
});
