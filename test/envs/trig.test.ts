/**
 * The built-ins' own sin and cos (shaders/trig.ts) are accurate to about an ulp on this device, whatever its
 * native sin/cos: within 1.5e-7 absolute of Math.sin/Math.cos for |x| <= 64 (the outputs are at most 1, ulp 6e-8),
 * and exactly 0/1 at 0.
 */
import { describe, expect } from 'vitest';
import { trigWgsl } from '../../shaders/trig.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { gpuTest } from '../helpers/gpu.js';

describe('trig_sincos', () => {
  gpuTest('matches Math.sin and Math.cos within 1.5e-7 for |x| <= 64', async (gpu) => {
    const count = 1 << 16;
    const xs = new Float32Array(count);
    for (let i = 0; i < count; i++) xs[i] = ((i + 0.5) / count - 0.5) * 128;
    xs.set([0, -0, Math.PI, -Math.PI, Math.PI / 2, -Math.PI / 2, Math.PI / 4, 3 * Math.PI, 1e-20, -1e-7, 63.99]);
    const pipeline = await gpu.pipelines.pipeline({
      label: 'TrigTest.sincos',
      key: 'TrigTest.sincos',
      entryPoint: 'main',
      build: () => `${trigWgsl}
        @group(0) @binding(0) var<storage, read> xs: array<f32>;
        @group(0) @binding(1) var<storage, read_write> out: array<vec2f>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
          if (gid.x < ${count}u) { out[gid.x] = trig_sincos(xs[gid.x]); }
        }`,
    });
    const input = gpu.buffer({ label: 'TrigTest.xs', size: count * 4, data: xs });
    const output = gpu.buffer({ label: 'TrigTest.out', size: count * 8 });
    const group = gpu.device.createBindGroup({
      label: 'TrigTest.bindGroup',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: output } },
      ],
    });
    const recorder = new Recorder(gpu, 'TrigTest.encoder');
    recorder.dispatch(pipeline, group, [count / 64]);
    recorder.submit();
    const got = await readFloat32(gpu, output);
    let worst = 0;
    let worstAt = 0;
    for (let i = 0; i < count; i++) {
      const error = Math.max(Math.abs(got[2 * i]! - Math.sin(xs[i]!)), Math.abs(got[2 * i + 1]! - Math.cos(xs[i]!)));
      if (!(error <= worst)) {
        worst = error;
        worstAt = i;
      }
    }
    expect(worst, `worst at x = ${xs[worstAt]}`).toBeLessThanOrEqual(1.5e-7);
    expect([got[0], got[1]]).toEqual([0, 1]);
    input.destroy();
    output.destroy();
  });
});
