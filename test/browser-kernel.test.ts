/**
 * A kernel in a real browser: headless Chromium runs the RNG kernel through the engine's runtime on its own
 * WebGPU (SwiftShader without a GPU), and its integer words must equal the host reference bit for bit. Fails on
 * any page error or WebGPU error; skips, saying why, where no browser exists.
 */
import { describe, expect } from 'vitest';
import { HostRng, rngHost } from '../shaders/rng.js';
import { browserTest } from './helpers/browser.js';
import type { RngKernelResult } from './browser/rng-kernel.js';

/** WGSL's accuracy for cos on [-pi, pi]: absolute error at most 2^-11. */
const WGSL_COS_ATOL = 2 ** -11;

describe('browser', () => {
  browserTest('the RNG kernel in headless Chromium matches rngHost', async (session) => {
    const run = await session.run<RngKernelResult>('test/browser/rng-kernel.html');
    const { seed, stream, counter, words, floats } = run.value;
    const count = words.length / 4;
    expect(count).toBe(1000);
    expect(floats.length).toBe(4 * count);

    let wordMismatches = 0;
    let unitMismatches = 0;
    let uniformError = 0;
    let normalExcess = 0;
    let normalError = 0;
    for (let i = 0; i < count; i++) {
      const host = rngHost.create(seed, stream, i, counter);
      const expected = host.next4();
      // Integer words, and the unit float made from one (exact in f32), must agree bit for bit.
      if (words.slice(4 * i, 4 * i + 4).some((word, lane) => word !== expected[lane])) wordMismatches++;
      if (floats[4 * i] !== rngHost.unit(host.next4()[0])) unitMismatches++;
      // low + (high - low) * unit: the GPU may fuse the multiply-add, so allow about two f32 ulps at 0.05.
      uniformError = Math.max(uniformError, Math.abs(floats[4 * i + 1]! - host.uniform(-0.05, 0.05)));
      // Box-Muller radius * cos(angle): WGSL promises cos only to 2^-11 (absolute), here scaled by the radius.
      // Measured: lavapipe within 1e-5, Chromium's SwiftShader up to about 5e-4.
      const twin = new HostRng(host.key);
      twin.draws = host.draws;
      const radius = Math.sqrt(-2 * Math.log(1 - rngHost.unit(twin.next4()[0])));
      const error = Math.abs(floats[4 * i + 2]! - host.normal());
      normalError = Math.max(normalError, error);
      normalExcess = Math.max(normalExcess, error - (WGSL_COS_ATOL * radius + 1e-6));
    }
    console.log(
      `browser adapter: vendor '${run.adapter.vendor}', architecture '${run.adapter.architecture}'` +
        `${run.adapter.description ? `, '${run.adapter.description}'` : ''} (${session.executable}); ` +
        `max |error|: uniform ${uniformError.toExponential(2)}, normal ${normalError.toExponential(2)}`,
    );
    expect(wordMismatches, 'invocations whose four words differ from rngHost').toBe(0);
    expect(unitMismatches, 'unit floats that differ from rngHost').toBe(0);
    expect(uniformError).toBeLessThanOrEqual(1e-8);
    expect(normalExcess, 'normal draws outside WGSL cos accuracy').toBeLessThanOrEqual(0);
  });
});
