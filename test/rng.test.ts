/** The counter-based generator: the WGSL and the host implementation agree bit for bit, and draws look uniform. */
import { describe, expect, test } from 'vitest';
import { rngWgsl, RngStream, rngHost } from '../shaders/rng.js';
import { gpuTest } from './helpers/gpu.js';
import { readUint32, readFloat32 } from '../src/gpu/readback.js';
import { Recorder } from '../src/gpu/recorder.js';

describe('rng', () => {
  gpuTest('pcg4d words and derived floats match the host implementation exactly', async (gpu) => {
    const count = 1000;
    const pipeline = await gpu.pipelines.pipeline({
      label: 'RngTest.draw',
      key: 'RngTest.draw',
      entryPoint: 'main',
      build: () => `${rngWgsl}
        @group(0) @binding(0) var<storage, read_write> words: array<vec4u>;
        @group(0) @binding(1) var<storage, read_write> floats: array<vec2f>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
          let i = gid.x;
          if (i >= ${count}u) { return; }
          var rng = rng_create(1234u, ${RngStream.test}u, i, 7u);
          words[i] = rng_next4(&rng);
          floats[i] = vec2f(rng_uniform(&rng, -0.05, 0.05), rng_normal(&rng));
        }`,
    });
    const words = gpu.buffer({ label: 'RngTest.words', size: count * 16 });
    const floats = gpu.buffer({ label: 'RngTest.floats', size: count * 8 });
    const bindGroup = gpu.device.createBindGroup({
      label: 'RngTest.bindGroup',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: words } },
        { binding: 1, resource: { buffer: floats } },
      ],
    });
    const recorder = new Recorder(gpu, 'RngTest.encoder');
    recorder.dispatch(pipeline, bindGroup, [Math.ceil(count / 64)]);
    recorder.submit();
    const gotWords = await readUint32(gpu, words);
    const gotFloats = await readFloat32(gpu, floats);
    for (let i = 0; i < count; i++) {
      const host = rngHost.create(1234, RngStream.test, i, 7);
      expect([...gotWords.subarray(4 * i, 4 * i + 4)]).toEqual(host.next4());
      expect(Math.abs(gotFloats[2 * i]! - host.uniform(-0.05, 0.05))).toBeLessThanOrEqual(1e-8);
      // WGSL promises cos/log to about 2^-11 absolute (SwiftShader uses that room): scale by the radius sqrt(-2 ln u).
      const normal = host.normal();
      expect(Math.abs(gotFloats[2 * i + 1]! - normal)).toBeLessThanOrEqual(2 ** -11 * Math.max(1, Math.abs(normal)) * 2);
    }
    words.destroy();
    floats.destroy();
  });

  test('uniform draws are spread evenly (chi-square over 16 bins)', () => {
    const bins = new Array(16).fill(0);
    const n = 32000;
    for (let i = 0; i < n; i++) bins[Math.floor(rngHost.unit(rngHost.create(9, 1, i, 0).next4()[0]) * 16)]++;
    const expected = n / 16;
    const chi2 = bins.reduce((sum, b) => sum + (b - expected) ** 2 / expected, 0);
    // 15 degrees of freedom: P(chi2 > 37.7) = 0.001.
    expect(chi2).toBeLessThan(37.7);
  });
});
