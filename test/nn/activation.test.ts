/** The elementwise activation kernels against float64 references, at awkward lengths. */
import { describe } from 'vitest';
import { ActivationKernels } from '../../src/nn/activation.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { ACTIVATIONS } from '../../shaders/activations.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';
import { activate, activationGrad } from '../reference/nn.js';

describe('elementwise activations', () => {
  for (const activation of ACTIVATIONS) {
    gpuTest(`${activation}: f(z) and dy·f'(y) at lengths 1, 63, 65, 4097 (z up to ±30: tanh must not overflow)`, async (gpu) => {
      const kernels = await ActivationKernels.create(gpu, activation);
      for (const n of [1, 63, 65, 4097]) {
        const random = seededRandom(n);
        const z = randomArray(random, n, -30, 30);
        const dy = randomArray(random, n);
        const zBuffer = gpu.buffer({ label: 'ActivationTest.z', size: z.byteLength, data: z });
        const yBuffer = gpu.buffer({ label: 'ActivationTest.y', size: z.byteLength });
        const dyBuffer = gpu.buffer({ label: 'ActivationTest.dy', size: dy.byteLength, data: dy });
        const dzBuffer = gpu.buffer({ label: 'ActivationTest.dz', size: dy.byteLength });
        const recorder = new Recorder(gpu, 'ActivationTest.encoder');
        kernels.encodeForward(recorder, zBuffer, yBuffer, n);
        kernels.encodeBackward(recorder, yBuffer, dyBuffer, dzBuffer, n);
        recorder.submit();
        const y = await readFloat32(gpu, yBuffer);
        const dz = await readFloat32(gpu, dzBuffer);
        // tanh via exp(-2|z|) is within a few f32 ulps of 1; relu and identity are exact.
        expectClose(y, Array.from(z, (v) => activate(activation, v)), { atol: 2e-7, rtol: 2e-7 }, `${activation}(z), n=${n}`);
        expectClose(dz, Array.from(dy, (g, i) => g * activationGrad(activation, y[i]!)), { atol: 1e-7, rtol: 1e-6 }, `dy·f'(y), n=${n}`);
        for (const b of [zBuffer, yBuffer, dyBuffer, dzBuffer]) b.destroy();
      }
    });
  }
});
