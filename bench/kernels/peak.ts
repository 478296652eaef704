/**
 * Peak-rate and overhead kernels (bench only).
 *
 * fma_peak: every invocation runs CHAINS independent chains of `acc = fma(acc, a, b)` (a, b from a uniform, so
 * nothing folds), ITER times each, unrolled UNROLL deep in the generated code so the loop costs little; scalar
 * f32 or vec4f chains. FLOPs = 2 · width · CHAINS · ITER per invocation. Independent chains hide the FMA latency
 * (about 4 cycles, 2 ports on x86: at least 8 vector chains in flight), and on a CPU adapter each chain of an
 * invocation is one SIMD register across 8 (lavapipe, AVX2) invocations.
 *
 * empty: a kernel that does nothing (one guarded store that never happens), to measure per-dispatch overhead.
 */

export interface FmaPeakShape {
  /** 1 (f32) or 4 (vec4f). */
  width: 1 | 4;
  chains: number;
  /** Unrolled FMAs per chain per loop trip. */
  unroll: number;
  workgroup: number;
}

/** Bindings: 0 params {a, b, iterations (trips of the unrolled body), unused} (uniform), 1 out (read_write). */
export function fmaPeakWgsl(shape: FmaPeakShape): string {
  const { width, chains, unroll, workgroup } = shape;
  const T = width === 4 ? 'vec4f' : 'f32';
  const init = Array.from({ length: chains }, (_, c) =>
    width === 4
      ? `  var acc${c} = vec4f(f32(lane) * 1e-3, ${c}.0 * 1e-3, 0.5, -0.25);`
      : `  var acc${c} = f32(lane) * 1e-3 + ${c}.0 * 1e-3;`,
  ).join('\n');
  const body: string[] = [];
  for (let u = 0; u < unroll; u++) for (let c = 0; c < chains; c++) body.push(`    acc${c} = fma(acc${c}, a, b);`);
  const sum = Array.from({ length: chains }, (_, c) => `acc${c}`).join(' + ');
  const total = width === 4 ? `dot(${sum}, vec4f(1.0))` : `${sum}`;
  return /* wgsl */ `
struct Params { a: f32, b: f32, iterations: u32, unused: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${workgroup})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let lane = gid.x + gid.y * nwg.x * ${workgroup}u;
  let a = ${T}(params.a);
  let b = ${T}(params.b);
${init}
  for (var i = 0u; i < params.iterations; i++) {
${body.join('\n')}
  }
  let total = ${total};
  // Never true for the values we pass (|acc| stays < 1e30); keeps the chains live.
  if (total == 123456.789) { out[lane % 64u] = total; }
  if (lane == 0u) { out[0] = total; }
}
`;
}

/** FLOPs of one fma_peak invocation. */
export function fmaPeakFlops(shape: FmaPeakShape, iterations: number): number {
  return 2 * shape.width * shape.chains * shape.unroll * iterations;
}

/** The chains' final value of lane 0, for validating one run on the CPU (f32 arithmetic, fused as fma does). */
export function fmaPeakReference(shape: FmaPeakShape, iterations: number, a: number, b: number): number {
  const f = Math.fround;
  let total = 0;
  for (let c = 0; c < shape.chains; c++) {
    const starts = shape.width === 4 ? [0, f(c * 1e-3), 0.5, -0.25] : [f(0 + f(c * 1e-3))];
    for (let v of starts) {
      v = f(v);
      // fma(acc, a, b) rounded once; Math.fround(v * a + b) in float64 is exact for these magnitudes up to rounding.
      for (let i = 0; i < iterations * shape.unroll; i++) v = f(v * a + b);
      total += v;
    }
  }
  return total;
}

export function emptyWgsl(workgroup: number): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${workgroup})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x == 0xffffffffu) { out[0] = 1.0; }
}
`;
}
