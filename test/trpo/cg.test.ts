/**
 * TRPO's conjugate gradient on the GPU (src/trpo/solver.wgsl.ts cg_init / cg_step, 10 iterations, α and β in GPU
 * memory) on (A + λI) x = b, λ = 0.1, against the float64 CG of reference/trpo.ts (same iterations, same stop rule)
 * and against the exact solution (Cholesky of the dense system):
 *
 *   - A = c I + U Uᵀ on the actor's n entries (U of rank 6, c = 0.5), applied by a test-only kernel: at most 7
 *     distinct eigenvalues, so 10 iterations reach the exact solution. Tolerance: 2e-5 of max |x| for both.
 *   - A = F, the GPU Fisher pass, b = g from the surrogate pass, batch 3 (F of rank <= 6: CG is exact within
 *     10 iterations) and batch 65 (10 iterations short of exact: compared with the float64 CG only); the float64
 *     side uses the float64 F and g. Tolerance: 2e-5 of max |x| (g's float32 error, 1e-5 of max |g| at most,
 *     amplified by the condition number of F + λI).
 *   - b = 0: CG stops before any product and x = 0.
 */
import { TRPO_VECTORS, trpoVectorStride } from '../../src/trpo/solver.wgsl.js';
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { bindingTable, readOnlyStorage, storage } from '../../src/gpu/bindings.js';
import { actorIndices, conjugateGradient, fisherVectorProduct, solveSpd, surrogateGradient } from '../../reference/trpo.js';
import { gpuTest } from '../helpers/gpu.js';
import { seededRandom } from '../helpers/random.js';
import { bindCase, CATEGORICAL, GAUSSIAN, makeCase, randomDirection, relativeError, type BoundCase, type TrpoCase } from './helpers.js';

const DAMPING = 0.1;
const ITERATIONS = 10;
const TOLERANCE = 1e-10;

/** fv[index[i]] = sum_j matrix[i][j] p[index[j]]: a dense operator on the actor's entries, for tests. */
/** The test operator reads p and writes F p in the update's one CG buffer (sections at `p` and `fv` floats). */
const matvecBindings = bindingTable({
  matrix: readOnlyStorage('array<f32>'),
  index: readOnlyStorage('array<u32>'),
  cg: storage('array<f32>'),
});

function matvecWgsl(n: number, p: number, fv: number): string {
  return /* wgsl */ `
${matvecBindings.wgsl}
@compute @workgroup_size(64)
fn matvec(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= ${n}u) { return; }
  var acc = 0.0;
  for (var j = 0u; j < ${n}u; j++) { acc += matrix[i * ${n}u + j] * cg[${p}u + index[j]]; }
  cg[${fv}u + index[i]] = acc;
}
`;
}

/** The dense (A + λI) on the actor's entries, row-major n x n, from a product in the flat layout. */
function denseSystem(product: (v: Float64Array) => Float64Array, indices: number[], size: number): Float64Array {
  const n = indices.length;
  const dense = new Float64Array(n * n);
  indices.forEach((column, j) => {
    const unit = new Float64Array(size);
    unit[column] = 1;
    const out = product(unit);
    indices.forEach((row, i) => (dense[i * n + j] = out[row]! + (i === j ? DAMPING : 0)));
  });
  return dense;
}

function expectVector(got: ArrayLike<number>, ref: ArrayLike<number>, indices: number[], tolerance: number, what: string): void {
  const { error, scale } = relativeError(got, ref, indices);
  expect(scale, `${what}: reference is all zeros`).toBeGreaterThan(0);
  expect(error, `${what}: max |gpu - ref| / max |ref| (max |ref| ${scale})`).toBeLessThan(tolerance);
}

interface CgRun {
  /** Records the right-hand side into vectors.g (after the state reset). */
  setup(recorder: Recorder, bound: BoundCase): void;
  /** Records vectors.fv = A vectors.p; default the Fisher pass. */
  product?: (bound: BoundCase) => (recorder: Recorder) => void;
}

async function runCg(gpu: Gpu, tc: TrpoCase, run: CgRun) {
  const bound = await bindCase(gpu, tc, { damping: DAMPING, cgIterations: ITERATIONS, cgTolerance: TOLERANCE });
  try {
    const recorder = new Recorder(gpu, 'CgTest.encoder');
    bound.update.encodeBegin(recorder);
    run.setup(recorder, bound);
    bound.update.encodeConjugateGradient(recorder, run.product?.(bound));
    recorder.submit();
    const [x, g, state] = await Promise.all([bound.update.readVector('x'), bound.update.readVector('g'), bound.update.readState()]);
    return { x, g, state };
  } finally {
    bound.destroy();
  }
}

describe('TRPO conjugate gradient', () => {
  gpuTest('a random SPD operator (test kernel): the float64 CG and the exact solution', async (gpu) => {
    const tc = makeCase(21, { action: GAUSSIAN, hidden: [5, 4], numEnvs: 4, numSteps: 2 });
    const indices = actorIndices(tc.agent);
    const n = indices.length;
    const random = seededRandom(22);
    const rank = 6;
    const U = Array.from({ length: n * rank }, () => (2 * random() - 1) / Math.sqrt(rank));
    const matrix = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = i === j ? 0.5 : 0;
        for (let k = 0; k < rank; k++) sum += U[i * rank + k]! * U[j * rank + k]!;
        matrix[i * n + j] = sum;
      }
    }
    const b = randomDirection(23, tc.agent, indices);
    const stride = trpoVectorStride(tc.agent.table.size);
    const code = matvecWgsl(n, TRPO_VECTORS.indexOf('p') * stride, TRPO_VECTORS.indexOf('fv') * stride);
    const pipeline = await gpu.pipelines.pipeline({ label: 'CgTest.matvec', key: `CgTestMatvec\n${code}`, entryPoint: 'matvec', bindings: matvecBindings, build: () => code });
    const matrixBuffer = gpu.buffer({ label: 'CgTest.matrix', size: matrix.byteLength, data: matrix });
    const indexBuffer = gpu.buffer({ label: 'CgTest.index', size: n * 4, data: Uint32Array.from(indices) });
    try {
      const { x, state } = await runCg(gpu, tc, {
        setup: (_, bound) => bound.update.writeVector('g', b),
        product: (bound) => {
          const group = matvecBindings.bindGroup(gpu.device, 'CgTest.matvecGroup', pipeline.getBindGroupLayout(0), {
            matrix: matrixBuffer,
            index: indexBuffer,
            cg: bound.update.vectors.p.buffer,
          });
          return (recorder) => recorder.dispatch(pipeline, group, [Math.ceil(n / 64)]);
        },
      });
      const product = (v: Float64Array) => {
        const out = new Float64Array(v.length);
        indices.forEach((row, i) => {
          let sum = 0;
          indices.forEach((column, j) => (sum += matrix[i * n + j]! * v[column]!));
          out[row] = sum;
        });
        return out;
      };
      const damped = (v: Float64Array) => product(v).map((value, i) => value + DAMPING * v[i]!);
      const reference = conjugateGradient(damped, b, indices, ITERATIONS, TOLERANCE);
      const exactCompact = solveSpd(denseSystem(product, indices, tc.agent.table.size), indices.map((i) => b[i]!), n);
      const exact = new Float64Array(tc.agent.table.size);
      indices.forEach((i, k) => (exact[i] = exactCompact[k]!));
      expect(state.cg_iterations).toBe(ITERATIONS);
      expectVector(x, reference.x, indices, 2e-5, 'x against the float64 CG');
      expectVector(x, exact, indices, 2e-5, 'x against the exact solution');
      expectVector(reference.x, exact, indices, 1e-9, 'the float64 CG against the exact solution');
    } finally {
      gpu.destroyBuffer(matrixBuffer);
      gpu.destroyBuffer(indexBuffer);
    }
  });

  for (const [name, action, numEnvs, numSteps, exactToo] of [
    ['categorical, batch 3 (CG exact within 10 iterations)', CATEGORICAL, 3, 1, true],
    ['Gaussian, batch 65', GAUSSIAN, 13, 5, false],
  ] as const) {
    gpuTest(`A = F (the Fisher pass), b = g (the surrogate pass): ${name}`, async (gpu) => {
      const tc = makeCase(31 + numEnvs, { action, hidden: [5, 4], numEnvs, numSteps });
      const indices = actorIndices(tc.agent);
      const { x, g, state } = await runCg(gpu, tc, { setup: (recorder, bound) => bound.update.encodeSurrogateGradient(recorder) });
      const theta = Float64Array.from(tc.theta0);
      const g64 = surrogateGradient(theta, tc.agent, tc.samples, true);
      expectVector(g, g64, indices, 1e-5, 'g against the float64 gradient');
      const product = (v: Float64Array) => fisherVectorProduct(theta, tc.agent, tc.samples, v);
      const damped = (v: Float64Array) => product(v).map((value, i) => value + DAMPING * v[i]!);
      const reference = conjugateGradient(damped, g64, indices, ITERATIONS, TOLERANCE);
      expectVector(x, reference.x, indices, 2e-5, 'x against the float64 CG');
      if (exactToo) {
        const exactCompact = solveSpd(denseSystem(product, indices, theta.length), indices.map((i) => g64[i]!), indices.length);
        const exact = new Float64Array(theta.length);
        indices.forEach((i, k) => (exact[i] = exactCompact[k]!));
        expectVector(x, exact, indices, 2e-5, 'x against the exact solution');
      }
      // The float64 CG may stop early on an exact solution; float32 rounding keeps the GPU's going.
      expect(state.cg_iterations).toBeGreaterThanOrEqual(reference.iterations);
      expect(Number.isFinite(state.rr)).toBe(true);
    });
  }

  gpuTest('b = 0: CG stops before any product, x = 0', async (gpu) => {
    const tc = makeCase(41, { action: CATEGORICAL, hidden: [5, 4], numEnvs: 2, numSteps: 2 });
    const { x, state } = await runCg(gpu, tc, { setup: (_, bound) => bound.update.writeVector('g', new Float32Array(tc.agent.table.size)) });
    expect(state.cg_done).toBe(1);
    expect(state.cg_iterations).toBe(0);
    expect(Array.from(x).every((v) => v === 0)).toBe(true);
  });
});
