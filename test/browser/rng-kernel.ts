/**
 * The RNG kernel of test/rng.test.ts, run in the browser through the engine's runtime (pipeline cache, recorder,
 * readback): for each of COUNT invocations, the first four words of generator (1234, test, i, 7), the unit float
 * of the next word, then a uniform draw in [-0.05, 0.05) and a normal draw. The test compares them with rngHost.
 */
import { rngWgsl, RngStream } from '../../shaders/rng.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { runOnPage } from './page.js';

const COUNT = 1000;
const SEED = 1234;
const COUNTER = 7;

/** Imported by the test as a type only: importing this module runs the page. */
export interface RngKernelResult {
  seed: number;
  stream: number;
  counter: number;
  words: number[];
  /** Per invocation: unit, uniform, normal. */
  floats: number[];
}

runOnPage<RngKernelResult>(async (gpu) => {
  const pipeline = await gpu.pipelines.pipeline({
    label: 'BrowserRngTest.draw',
    key: 'BrowserRngTest.draw',
    entryPoint: 'main',
    build: () => `${rngWgsl}
      @group(0) @binding(0) var<storage, read_write> words: array<vec4u>;
      @group(0) @binding(1) var<storage, read_write> floats: array<vec4f>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
        let i = gid.x;
        if (i >= ${COUNT}u) { return; }
        var rng = rng_create(${SEED}u, ${RngStream.test}u, i, ${COUNTER}u);
        words[i] = rng_next4(&rng);
        let unit = rng_unit(rng_next4(&rng).x);
        let uniform = rng_uniform(&rng, -0.05, 0.05);
        floats[i] = vec4f(unit, uniform, rng_normal(&rng), 0.0);
      }`,
  });
  const words = gpu.buffer({ label: 'BrowserRngTest.words', size: COUNT * 16 });
  const floats = gpu.buffer({ label: 'BrowserRngTest.floats', size: COUNT * 16 });
  const bindGroup = gpu.device.createBindGroup({
    label: 'BrowserRngTest.bindGroup',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: words } },
      { binding: 1, resource: { buffer: floats } },
    ],
  });
  const recorder = new Recorder(gpu, 'BrowserRngTest.encoder');
  recorder.dispatch(pipeline, bindGroup, [Math.ceil(COUNT / 64)]);
  recorder.submit();
  const result = { seed: SEED, stream: RngStream.test, counter: COUNTER, words: Array.from(await readUint32(gpu, words)), floats: Array.from(await readFloat32(gpu, floats)) };
  words.destroy();
  floats.destroy();
  return result;
});
