/**
 * A uniform draw computed exactly as WGSL's rng_uniform(&rng, low, high) computes it in f32: the bounds rounded
 * to f32 first, then low + (high - low) * unit, each operation rounded to f32.
 *
 * HostRng.uniform (src/rng.ts) rounds high - low computed in float64 instead of f32(high) - f32(low). The two
 * agree for symmetric bounds (-a, a), used by CartPole, Acrobot and Pendulum, but not for MountainCar's
 * (-0.6, -0.4): f32(-0.4) - f32(-0.6) = 0.20000001788 while fround(0.2) = 0.20000000298, and about one draw in
 * five then differs by one ulp. The references of the two MountainCars use this function.
 */
import { rngHost, type HostRng } from '../../shaders/rng.js';

export function uniformLikeWgsl(rng: HostRng, low: number, high: number): number {
  const lo = Math.fround(low);
  const width = Math.fround(Math.fround(high) - lo);
  return Math.fround(lo + Math.fround(width * rngHost.unit(rng.next4()[0])));
}
