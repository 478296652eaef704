/**
 * Policies and checkpoints leave a trainer and come back (src/checkpoint.ts):
 *
 *  - a file that is not a valid policy or checkpoint (truncated, wrong format version, tensors whose shapes do not
 *    match the header, another environment's policy, code in the metadata) is refused with CheckpointError naming
 *    the problem, and the refusal changes nothing (no GPU memory kept, no registry change, nothing evaluated);
 *  - save -> load round trips give bit-identical parameters and optimizer state, and the same actions;
 *  - the plain-JavaScript policy (CpuPolicy) acts as the GPU policy does, deterministic and sampled, wherever the
 *    choice is not within rounding of a tie or a sampling boundary;
 *  - loadTrainer resumes a run: after a save at iteration k, the resumed trainer's next iterations report exactly
 *    what the uninterrupted trainer's do.
 */
import { describe, expect, vi } from 'vitest';
import { RngStream, rngHost } from '../shaders/rng.js';
import {
  CheckpointError,
  CpuPolicy,
  createTrainer,
  decodeSafetensors,
  encodeSafetensors,
  exportPolicy,
  FORMAT_VERSION,
  GpuPolicy,
  listEnvs,
  loadPolicy,
  loadTrainer,
  saveTrainer,
  type IterationReport,
  type Trainer,
  type TrainerConfig,
} from '../src/index.js';
import type { Gpu } from '../src/gpu/device.js';
import { readFloat32 } from '../src/gpu/readback.js';
import { gpuTest } from './helpers/gpu.js';
import { seededRandom } from './helpers/random.js';

const CARTPOLE: Partial<TrainerConfig> & { env: string } = { env: 'CartPole-v1', num_envs: 8, num_steps: 16, update_epochs: 2, num_minibatches: 2, seed: 3 };
const CONTINUOUS: Partial<TrainerConfig> & { env: string } = {
  env: 'MountainCarContinuous-v0',
  algo: 'ppo-penalty',
  num_envs: 8,
  num_steps: 16,
  update_epochs: 2,
  num_minibatches: 2,
  seed: 4,
};

/** A trainer that has taken `iterations` iterations (so its parameters and optimizer state are not initial). */
async function trained(config: Partial<TrainerConfig> & { env: string }, iterations: number, gpu: Gpu): Promise<Trainer> {
  const trainer = await createTrainer(config, { gpu });
  const batch = trainer.config.num_envs * trainer.config.num_steps;
  await trainer.train({ totalSteps: iterations * batch });
  return trainer;
}

/** Decodes a file, lets `edit` change its tensors and metadata, encodes it again. */
function rewrite(bytes: Uint8Array, edit: (file: { tensors: Map<string, { dtype: 'F32' | 'U32'; shape: number[]; data: Float32Array | Uint32Array }>; metadata: Record<string, string> }) => void): Uint8Array {
  const file = decodeSafetensors(bytes);
  edit(file);
  return encodeSafetensors(file.tensors, file.metadata);
}

/** The header's JSON text replaced by `edit(text)` (length field updated): for malformed headers. */
function rewriteHeader(bytes: Uint8Array, edit: (json: string) => string): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = edit(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + bytes.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(bytes.subarray(8 + length), 8 + header.length);
  return out;
}

/** Expects `load()` to throw CheckpointError matching `message`, leaving GPU memory and the registry as they were. */
async function expectRefused(gpu: Gpu, load: () => Promise<unknown>, message: RegExp): Promise<void> {
  const bytesBefore = gpu.bytesAllocated;
  const envsBefore = JSON.stringify(listEnvs());
  const error = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a CheckpointError matching ${message}`).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toMatch(message);
  expect(gpu.bytesAllocated, 'GPU memory held after a refused load').toBe(bytesBefore);
  expect(JSON.stringify(listEnvs()), 'registry after a refused load').toBe(envsBefore);
}

function observations(random: () => number, rows: number, size: number, scale: number[]): Float32Array {
  return Float32Array.from({ length: rows * size }, (_, i) => (random() * 2 - 1) * scale[i % size]!);
}

/** The stats of a report without its wall-clock fields. */
function comparable(report: IterationReport): Record<string, unknown> {
  const { wallSeconds: _wall, sps: _sps, ...rest } = report;
  return rest;
}

describe('checkpoint: invalid files are refused and change nothing', () => {
  gpuTest('truncated policies and checkpoints', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    for (const cut of [0, 7, 8, 40, Math.floor(policy.length / 2), policy.length - 1]) {
      await expectRefused(gpu, () => loadPolicy(policy.slice(0, cut), { gpu }), /not a valid webgpu-rl\/policy file/);
      await expectRefused(gpu, () => loadPolicy(policy.slice(0, cut), { backend: 'cpu' }), /not a valid webgpu-rl\/policy file/);
    }
    for (const cut of [5, checkpoint.length - 4]) {
      await expectRefused(gpu, () => loadTrainer(checkpoint.slice(0, cut), { gpu }), /not a valid webgpu-rl\/checkpoint file/);
    }
    trainer.destroy();
  });

  gpuTest('a wrong format version or kind', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    const future = rewrite(policy, (f) => (f.metadata.format_version = String(Number(FORMAT_VERSION) + 1)));
    await expectRefused(gpu, () => loadPolicy(future, { gpu }), new RegExp(`format_version is "${Number(FORMAT_VERSION) + 1}"; this engine reads version ${FORMAT_VERSION}`));
    const unversioned = rewrite(checkpoint, (f) => delete f.metadata.format_version);
    await expectRefused(gpu, () => loadTrainer(unversioned, { gpu }), /format_version is undefined/);
    await expectRefused(gpu, () => loadPolicy(checkpoint, { gpu }), /expected 'webgpu-rl\/policy' \(use loadTrainer for this file\)/);
    await expectRefused(gpu, () => loadTrainer(policy, { gpu }), /expected 'webgpu-rl\/checkpoint' \(use loadPolicy for this file\)/);
    const foreign = encodeSafetensors(new Map([['weight', { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) }]]), { format: 'pt' });
    await expectRefused(gpu, () => loadPolicy(foreign, { gpu }), /format is "pt"/);
    trainer.destroy();
  });

  gpuTest('tensors whose shapes do not match the header', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    // A tensor consistent with its bytes, but not with the architecture the header declares.
    const narrow = rewrite(policy, (f) => f.tensors.set('actor.0.weight', { dtype: 'F32', shape: [4, 32], data: new Float32Array(128) }));
    await expectRefused(gpu, () => loadPolicy(narrow, { gpu }), /tensor 'actor\.0\.weight' is F32 \[4, 32\]; the architecture in the header needs F32 \[4, 64\]/);
    await expectRefused(gpu, () => loadPolicy(narrow, { backend: 'cpu' }), /actor\.0\.weight/);
    const missing = rewrite(policy, (f) => f.tensors.delete('actor.2.bias'));
    await expectRefused(gpu, () => loadPolicy(missing, { gpu }), /no tensor 'actor\.2\.bias'/);
    // A shape in the header that disagrees with the tensor's byte count.
    const lying = rewriteHeader(policy, (json) => json.replace('"shape":[4,64]', '"shape":[4,65]'));
    await expectRefused(gpu, () => loadPolicy(lying, { gpu }), /shape \[4, 65\] \(1040 bytes\) but 1024 bytes of data/);
    // The architecture says wider layers than the tensors hold.
    const wider = rewrite(policy, (f) => (f.metadata.architecture = f.metadata.architecture!.replace('[64,64]', '[64,128]')));
    await expectRefused(gpu, () => loadPolicy(wider, { gpu }), /needs F32 \[64, 128\]/);
    // Optimizer moments of the wrong size in a checkpoint: refused before the trainer is kept.
    const moments = rewrite(checkpoint, (f) => f.tensors.set('optimizer.moments', { dtype: 'F32', shape: [10], data: new Float32Array(10) }));
    await expectRefused(gpu, () => loadTrainer(moments, { gpu }), /'optimizer\.moments' is F32 \[10\]/);
    const nonFinite = rewrite(policy, (f) => (f.tensors.get('actor.0.bias')!.data[3] = Number.NaN));
    await expectRefused(gpu, () => loadPolicy(nonFinite, { gpu }), /'actor\.0\.bias' holds a non-finite value at index 3/);
    trainer.destroy();
  });

  gpuTest("another environment's policy or checkpoint", async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    await expectRefused(gpu, () => loadPolicy(policy, { env: 'Acrobot-v1', gpu }), /a policy for 'CartPole-v1', not for 'Acrobot-v1'/);
    await expectRefused(gpu, () => loadPolicy(policy, { env: 'Acrobot-v1', backend: 'cpu' }), /not for 'Acrobot-v1'/);
    // A checkpoint whose environment has other spaces than the one registered under its id.
    const checkpoint = await saveTrainer(trainer);
    const relabelled = rewrite(checkpoint, (f) => {
      f.metadata.env = f.metadata.env!.replace('"CartPole-v1"', '"Acrobot-v1"');
      f.metadata.config = f.metadata.config!.replace('"CartPole-v1"', '"Acrobot-v1"');
    });
    await expectRefused(gpu, () => loadTrainer(relabelled, { gpu }), /'Acrobot-v1' has other spaces than the checkpoint's/);
    const unknown = rewrite(checkpoint, (f) => {
      f.metadata.env = f.metadata.env!.replace('"CartPole-v1"', '"NoSuchGame-v9"');
      f.metadata.config = f.metadata.config!.replace('"CartPole-v1"', '"NoSuchGame-v9"');
    });
    const error = await loadTrainer(unknown, { gpu }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/NoSuchGame-v9/);
    trainer.destroy();
  });

  gpuTest('code in the metadata is data, never run', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const marker = '__webgpuRlCheckpointTestRan';
    const payload = `(() => { globalThis.${marker} = true; })()`;
    // Code where JSON is expected: refused as malformed, not evaluated.
    const code = rewrite(policy, (f) => (f.metadata.architecture = payload));
    await expectRefused(gpu, () => loadPolicy(code, { gpu }), /'architecture' metadata is not JSON/);
    // A prototype-pollution attempt inside valid JSON loads as plain data.
    const polluting = rewrite(policy, (f) => (f.metadata.env = f.metadata.env!.replace('{', `{"__proto__":{"polluted":true},"toString":"${payload}",`)));
    const loaded = await loadPolicy(polluting, { backend: 'cpu' });
    expect(loaded.spec.id).toBe('CartPole-v1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
    trainer.destroy();
  });
});

describe('checkpoint: round trips', () => {
  for (const config of [CARTPOLE, CONTINUOUS]) {
    gpuTest(`${config.env}: save -> load gives bit-identical parameters, optimizer state and actions`, async (gpu) => {
      const trainer = await trained(config, 2, gpu);
      const spec = trainer.spec;
      const flat = await trainer.algorithm.readParameters();

      // Policy files: every actor tensor, bit for bit, and the same deterministic actions.
      const policyBytes = await exportPolicy(trainer);
      const file = decodeSafetensors(policyBytes);
      for (const view of trainer.algorithm.agent.table.views) {
        if (!view.name.startsWith('actor')) {
          expect(file.tensors.has(view.name), `the policy file leaves out '${view.name}'`).toBe(false);
          continue;
        }
        const tensor = file.tensors.get(view.name)!;
        expect(tensor.shape, view.name).toEqual(view.shape);
        expect(new Uint32Array(tensor.data.buffer), view.name).toEqual(new Uint32Array(flat.buffer, view.offset * 4, view.size));
      }
      const gpuPolicy = await loadPolicy(policyBytes, { gpu });
      expect(gpuPolicy).toBeInstanceOf(GpuPolicy);
      expect(gpuPolicy.trainedSteps).toBe(trainer.globalStep);
      const obs = observations(seededRandom(9), 256, spec.observationSize, spec.id === 'CartPole-v1' ? [2, 2, 0.2, 2] : [1.2, 0.07]);
      expect(Array.from(await gpuPolicy.act(obs, { deterministic: true }))).toEqual(Array.from(await trainer.policy.act(obs, { deterministic: true })));
      gpuPolicy.destroy();

      // Checkpoints: the restored trainer saves the very same bytes (parameters, Adam, environments, counters).
      const checkpoint = await saveTrainer(trainer);
      const restored = await loadTrainer(checkpoint, { gpu });
      expect(restored.config).toEqual(trainer.config);
      expect(restored.globalStep).toBe(trainer.globalStep);
      const again = await saveTrainer(restored);
      const a = decodeSafetensors(checkpoint);
      const b = decodeSafetensors(again);
      expect(b.metadata).toEqual(a.metadata);
      expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
      for (const [name, tensor] of a.tensors) {
        expect(new Uint32Array(b.tensors.get(name)!.data.buffer), name).toEqual(new Uint32Array(tensor.data.buffer));
      }
      expect(Array.from(await restored.policy.act(obs, { deterministic: true }))).toEqual(Array.from(await trainer.policy.act(obs, { deterministic: true })));
      restored.destroy();
      trainer.destroy();
    });
  }
});

describe('checkpoint: loaded policies', () => {
  gpuTest('a policy loaded on the GPU frees all its GPU memory on destroy', async (gpu) => {
    const trainer = await trained(CONTINUOUS, 1, gpu);
    const bytes = await exportPolicy(trainer);
    const before = gpu.bytesAllocated;
    for (let i = 0; i < 3; i++) {
      const policy = await loadPolicy(bytes, { gpu });
      await policy.act(new Float32Array([0.1, 0.01]));
      expect(gpu.bytesAllocated).toBeGreaterThan(before);
      policy.destroy();
      expect(gpu.bytesAllocated, `after load ${i + 1} and destroy`).toBe(before);
    }
    trainer.destroy();
  });

  gpuTest("loadPolicy's type follows the backend: actSync on 'cpu' policies", async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const bytes = await exportPolicy(trainer);
    const cpu = await loadPolicy(bytes, { backend: 'cpu' });
    // Compiles only when loadPolicy(..., { backend: 'cpu' }) is typed as a CpuPolicy.
    const action: Int32Array | Float32Array = cpu.actSync(new Float32Array([0, 0, 0.05, 0]));
    expect(action).toBeInstanceOf(Int32Array);
    const onGpu: GpuPolicy = await loadPolicy(bytes, { gpu });
    expect(onGpu).toBeInstanceOf(GpuPolicy);
    onGpu.destroy();
    trainer.destroy();
  });
});

describe('checkpoint: CpuPolicy acts as the GPU policy does', () => {
  gpuTest('discrete (CartPole-v1): argmax everywhere off ties, samples everywhere off sampling boundaries', async (gpu) => {
    const trainer = await trained(CARTPOLE, 3, gpu);
    const bytes = await exportPolicy(trainer);
    const seed = 77;
    const onGpu = await loadPolicy(bytes, { gpu, seed });
    const onCpu = await loadPolicy(bytes, { backend: 'cpu', seed });
    expect(onCpu).toBeInstanceOf(CpuPolicy);
    const rows = 512;
    const obs = observations(seededRandom(21), rows, 4, [2.4, 3, 0.21, 3]);
    let compared = 0;
    // Calls alternate deterministic and sampled on both, so their call counters (the sampling stream) stay aligned.
    for (let call = 0; call < 4; call++) {
      const deterministic = call % 2 === 0;
      const gpuActions = await onGpu.act(obs, { deterministic });
      const cpuActions = onCpu.actSync(obs, { deterministic });
      for (let b = 0; b < rows; b++) {
        const logits = Array.from(onCpu.head(obs, b * 4));
        if (deterministic) {
          if (Math.abs(logits[0]! - logits[1]!) < 1e-5) continue;
        } else {
          // The CPU's draw for (seed, row, call): skip rows whose uniform lies within 1e-5 of the cumulative p0.
          const u = rngHost.unit(rngHost.create(seed, RngStream.action, b, call).next4()[0]);
          const max = Math.max(...logits);
          const p0 = Math.exp(logits[0]! - max) / (Math.exp(logits[0]! - max) + Math.exp(logits[1]! - max));
          if (Math.abs(u - p0) < 1e-5) continue;
        }
        compared += 1;
        expect(gpuActions[b], `call ${call} (${deterministic ? 'deterministic' : 'sampled'}), row ${b}, logits ${logits}`).toBe(cpuActions[b]);
      }
    }
    expect(compared).toBeGreaterThan(4 * rows * 0.98);
    // Sampling really samples: the sampled calls differ from argmax somewhere, and from each other.
    const first = onCpu.actSync(obs, { deterministic: false });
    const second = onCpu.actSync(obs, { deterministic: false });
    expect(first.some((a, i) => a !== second[i])).toBe(true);
    onGpu.destroy();
    trainer.destroy();
  });

  gpuTest('continuous (MountainCarContinuous-v0): means within f32 rounding, samples within the GPU normal draw accuracy', async (gpu) => {
    const trainer = await trained(CONTINUOUS, 3, gpu);
    const bytes = await exportPolicy(trainer);
    const seed = 5;
    const onGpu = await loadPolicy(bytes, { gpu, seed });
    const onCpu = await loadPolicy(bytes, { backend: 'cpu', seed });
    const rows = 512;
    const obs = observations(seededRandom(22), rows, 2, [1.2, 0.07]);
    const std = Math.exp(onCpu.logstd![0]!);
    for (let call = 0; call < 4; call++) {
      const deterministic = call % 2 === 0;
      const gpuActions = (await onGpu.act(obs, { deterministic })) as Float32Array;
      const cpuActions = onCpu.actSync(obs, { deterministic }) as Float32Array;
      // The mean: a few f32 roundings of a 2-64-64-1 MLP. A sample adds std x a Box-Muller normal, whose WGSL cos
      // is accurate to 2^-11 (times the radius, at most ~6 for a 24-bit uniform).
      const tolerance = deterministic ? 1e-5 : 1e-5 + std * 6 * 2 ** -11;
      let worst = 0;
      for (let b = 0; b < rows; b++) worst = Math.max(worst, Math.abs(gpuActions[b]! - cpuActions[b]!));
      expect(worst, `call ${call} (${deterministic ? 'deterministic' : 'sampled'}): largest |GPU - CPU|`).toBeLessThanOrEqual(tolerance);
    }
    onGpu.destroy();
    trainer.destroy();
  });
});

describe('checkpoint: loadTrainer resumes a run', () => {
  for (const config of [CARTPOLE, CONTINUOUS]) {
    gpuTest(`${config.env} (${config.algo ?? 'ppo'}): after a save at iteration k, the next iterations equal the uninterrupted run's`, async (gpu) => {
      const total = 6;
      const k = 3;
      const uninterrupted = await createTrainer(config, { gpu });
      const batch = uninterrupted.config.num_envs * uninterrupted.config.num_steps;
      const reference: IterationReport[] = [];
      for await (const report of uninterrupted.iterations({ totalSteps: total * batch })) reference.push(report);
      uninterrupted.destroy();

      // Stop after k iterations of the same run (same schedule horizon: the learning rate anneals over `total`).
      // Breaking out of iterations() after report k - 1 lets the iteration already in flight, k, finish.
      const first = await createTrainer(config, { gpu });
      let seen = 0;
      for await (const _ of first.iterations({ totalSteps: total * batch })) if (++seen === k - 1) break;
      expect(first.globalStep).toBe(k * batch);
      const bytes = await saveTrainer(first);
      first.destroy();

      const resumed = await loadTrainer(bytes, { gpu });
      expect(resumed.globalStep).toBe(k * batch);
      const after: IterationReport[] = [];
      for await (const report of resumed.iterations({ totalSteps: total * batch })) {
        after.push(report);
        if (after.length === total - k) break;
      }
      resumed.destroy();
      expect(after.map(comparable)).toEqual(reference.slice(k).map(comparable));
    });
  }
});

describe('checkpoint: a self-play run resumes with its pool', () => {
  // Pong-v0 with a snapshot after every iteration into a window of 2 (the ring wraps before the save), sides
  // swapped every 2 iterations: the save falls between snapshots, evictions and swaps of the uninterrupted run.
  const PONG: Partial<TrainerConfig> & { env: string } = { env: 'Pong-v0', num_envs: 16, num_steps: 32, hidden_sizes: [8], update_epochs: 2, num_minibatches: 2, seed: 6, save_steps: 512, window: 2, swap_steps: 1024, learning_rate: 3e-3 };

  async function poolOf(trainer: Trainer): Promise<number[]> {
    return Array.from(await trainer.algorithm.selfPlay!.readPool((buffer, count, offset) => readFloat32(trainer.gpu, buffer, count, offset)));
  }

  gpuTest('train N, save, resume, train M equals train N + M bit for bit: reports, Elo, pool, parameters', async (gpu) => {
    const total = 7;
    const k = 4;
    const uninterrupted = await createTrainer(PONG, { gpu });
    const batch = uninterrupted.config.num_envs * uninterrupted.config.num_steps;
    const reference: IterationReport[] = [];
    for await (const report of uninterrupted.iterations({ totalSteps: total * batch })) reference.push(report);
    const referenceParams = Array.from(await uninterrupted.algorithm.readParameters());
    const referencePool = await poolOf(uninterrupted);
    uninterrupted.destroy();
    expect(reference.at(-1)!.selfPlay!.snapshots, 'snapshots: the initial one, then one per iteration').toBe(1 + total);

    const first = await createTrainer(PONG, { gpu });
    let seen = 0;
    for await (const _ of first.iterations({ totalSteps: total * batch })) if (++seen === k - 1) break;
    expect(first.globalStep).toBe(k * batch);
    const bytes = await saveTrainer(first);
    const standing = first.summary(0, 1).selfPlay;
    first.destroy();

    const resumed = await loadTrainer(bytes, { gpu });
    expect(resumed.globalStep).toBe(k * batch);
    // Before any new iteration the summary reads the restored book.
    expect(resumed.summary(0, 1).selfPlay).toEqual(standing);
    const after: IterationReport[] = [];
    // train() counts this session's steps and returns once every iteration has finished.
    await resumed.train({ totalSteps: (total - k) * batch, onIteration: (report) => void after.push(report) });
    expect(after.map(comparable)).toEqual(reference.slice(k).map(comparable));
    expect(Array.from(await resumed.algorithm.readParameters())).toEqual(referenceParams);
    expect(await poolOf(resumed)).toEqual(referencePool);
    resumed.destroy();
  });

  gpuTest('a pool or book that does not fit the run is refused before anything is built', async (gpu) => {
    const trainer = await trained(PONG, 2, gpu);
    const bytes = await saveTrainer(trainer);
    const book = JSON.parse(decodeSafetensors(bytes).metadata.self_play!) as Record<string, unknown>;
    expect(book).toMatchObject({ snapshots: 3, lastSave: 1024 });
    const withBook = (edit: Record<string, unknown>) => rewrite(bytes, (file) => void (file.metadata.self_play = JSON.stringify({ ...book, ...edit })));
    await expectRefused(gpu, () => loadTrainer(rewrite(bytes, (file) => void file.tensors.delete('selfplay.pool')), { gpu }), /tensor 'selfplay.pool' is missing; expected F32 \[\d+\] \(window 2 x \d+ parameters\)/);
    await expectRefused(
      gpu,
      () => loadTrainer(rewrite(bytes, (file) => void (file.tensors.get('selfplay.pool')!.data[5] = Number.NaN)), { gpu }),
      /'selfplay.pool' holds NaN at index 5; expected a finite number/,
    );
    await expectRefused(gpu, () => loadTrainer(rewrite(bytes, (file) => void delete file.metadata.self_play), { gpu }), /the file has no 'self_play' metadata/);
    await expectRefused(gpu, () => loadTrainer(withBook({ elo: null }), { gpu }), /self_play metadata has elo null; expected a finite number/);
    await expectRefused(gpu, () => loadTrainer(withBook({ slotElos: [1200] }), { gpu }), /self_play metadata has slotElos \[1200\]; expected 2 finite numbers/);
    await expectRefused(gpu, () => loadTrainer(withBook({ snapshots: 4 }), { gpu }), /self_play metadata has snapshots 4; expected an integer in \[1, 3\]/);
    await expectRefused(gpu, () => loadTrainer(withBook({ lastSave: 100 }), { gpu }), /self_play metadata has lastSave 100; expected a multiple of 512 in \[0, 1024\]/);
    await expectRefused(gpu, () => loadTrainer(withBook({ lastSave: 0 }), { gpu }), /lastSave 0; .*0 exactly when only the initial snapshot was taken/);
    // Self-play's keys change a two-player run: a file without one is refused.
    await expectRefused(
      gpu,
      () =>
        loadTrainer(
          rewrite(bytes, (file) => {
            const config = JSON.parse(file.metadata.config!) as Record<string, unknown>;
            delete config.save_steps;
            file.metadata.config = JSON.stringify(config);
          }),
          { gpu },
        ),
      /the file's config has no 'save_steps'/,
    );
    trainer.destroy();
  });
});

describe('checkpoint: file inputs', () => {
  /** A tiny network, so that its policy file is small enough for Node's shared Buffer pool. */
  const TINY: Partial<TrainerConfig> & { env: string } = { env: 'CartPole-v1', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 1, hidden_sizes: [4], seed: 8 };

  gpuTest('Buffers at an offset of shared memory, Uint8Array subarrays, ArrayBuffers, Blobs and Responses', async (gpu) => {
    const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const trainer = await trained(TINY, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    expect(policy.length).toBeLessThan(4096); // Buffer.from copies a file this small into the shared pool
    Buffer.from('shift the pool');
    const pooled = Buffer.from(policy);
    expect(pooled.byteOffset, 'a pooled Buffer starts inside a larger ArrayBuffer').not.toBe(0);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const directory = mkdtempSync(join(tmpdir(), 'webgpu-rl-'));
    writeFileSync(join(directory, 'policy.safetensors'), policy);
    writeFileSync(join(directory, 'trainer.safetensors'), checkpoint);
    const fromDisk = readFileSync(join(directory, 'policy.safetensors'));
    const checkpointFromDisk = readFileSync(join(directory, 'trainer.safetensors'));
    rmSync(directory, { recursive: true });
    // An odd offset inside a larger array: not even 4-byte aligned.
    const padded = new Uint8Array(policy.length + 7);
    padded.set(policy, 3);
    const subarray = padded.subarray(3, 3 + policy.length);

    // decodeSafetensors: each tensor holds exactly its own values, whatever the input.
    const reference = decodeSafetensors(policy);
    for (const input of [pooled, fromDisk, subarray, policy.slice().buffer]) {
      const file = decodeSafetensors(input);
      for (const [name, tensor] of reference.tensors) {
        const got = file.tensors.get(name)!;
        expect(got.data.length, name).toBe(tensor.data.length);
        expect(got.data.buffer.byteLength, `${name} owns a copy of its bytes only`).toBe(tensor.data.byteLength);
        expect(Array.from(got.data), name).toEqual(Array.from(tensor.data));
      }
    }

    const obs = observations(seededRandom(31), 64, 4, [2, 2, 0.2, 2]);
    const expected = Array.from(await trainer.policy.act(obs));
    const inputs: [string, () => Parameters<typeof loadPolicy>[0]][] = [
      ['pooled Buffer', () => pooled],
      ['readFileSync Buffer', () => fromDisk],
      ['Uint8Array subarray', () => subarray],
      ['ArrayBuffer', () => policy.slice().buffer],
      ['Blob', () => new Blob([policy])],
      ['Response', () => new Response(policy)],
    ];
    for (const [kind, input] of inputs) {
      const cpu = await loadPolicy(input(), { backend: 'cpu' });
      expect(Array.from(cpu.actSync(obs)), kind).toEqual(expected);
      const onGpu = await loadPolicy(input(), { gpu });
      expect(Array.from(await onGpu.act(obs)), kind).toEqual(expected);
      onGpu.destroy();
    }
    for (const input of [checkpointFromDisk, new Response(checkpoint)]) {
      const restored = await loadTrainer(input, { gpu });
      expect(restored.globalStep).toBe(trainer.globalStep);
      restored.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // environments free their buffers after pending calls
    await expectRefused(gpu, () => loadPolicy(new Response('Not Found', { status: 404, statusText: 'Not Found' }), { gpu }), /status 404/);
    await expectRefused(gpu, () => loadPolicy('policy.safetensors' as never, { gpu }), /expected the file's bytes as a Uint8Array .* or an ArrayBuffer, got \[object String\]/);
    trainer.destroy();
  });
});

describe('checkpoint: every value is checked before anything is built', () => {
  /** Expects a refusal that never reached Trainer.create. */
  async function expectRefusedBeforeBuild(gpu: Gpu, bytes: Uint8Array, message: RegExp): Promise<void> {
    const { Trainer } = await import('../src/trainer.js');
    const create = vi.spyOn(Trainer, 'create');
    try {
      await expectRefused(gpu, () => loadTrainer(bytes, { gpu }), message);
      expect(create, 'Trainer.create was called for a file that is refused').not.toHaveBeenCalled();
    } finally {
      create.mockRestore();
    }
  }

  gpuTest('counters finite, integral and in range; malformed metadata is a CheckpointError', async (gpu) => {
    const trainer = await trained(CARTPOLE, 2, gpu);
    const checkpoint = await saveTrainer(trainer);
    for (const [key, value, message] of [
      ['iteration', 'abc', /'iteration' metadata is "abc"; expected an integer in \[0, /],
      ['iteration', '1.5', /'iteration' metadata is "1.5"/],
      ['iteration', '-1', /'iteration' metadata is "-1"/],
      ['iteration', '1e400', /'iteration' metadata is "1e400"/],
      ['global_step', '999', /global_step is 999; after iteration 2 of num_envs x num_steps = 128 steps it must be 256/],
      ['solved_at_step', '{', /'solved_at_step' metadata is not JSON/],
      ['solved_at_step', '100', /solved_at_step is 100; expected null or a multiple of 128 in \[128, 256\]/],
      ['config', '{"env":', /'config' metadata is not JSON/],
      ['architecture', '[', /'architecture' metadata is not JSON/],
    ] as const) {
      await expectRefusedBeforeBuild(gpu, rewrite(checkpoint, (f) => (f.metadata[key] = value)), message);
    }
    const policy = await exportPolicy(trainer);
    await expectRefused(gpu, () => loadPolicy(rewrite(policy, (f) => (f.metadata.trained_steps = 'NaN')), { gpu }), /'trained_steps' metadata is "NaN"/);
    await expectRefused(gpu, () => loadPolicy(rewrite(policy, (f) => (f.metadata.obs_normalization = 'null')), { gpu }), /obs_normalization metadata is malformed/);
    trainer.destroy();
  });

  gpuTest('Adam moments, normaliser statistics and environment states finite', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const checkpoint = await saveTrainer(trainer);
    const poke = (name: string, index: number, value: number) =>
      rewrite(checkpoint, (f) => {
        const data = f.tensors.get(name)!.data;
        data[index] = value;
      });
    await expectRefusedBeforeBuild(gpu, poke('optimizer.moments', 5, Number.NaN), /tensor 'optimizer\.moments' holds NaN at index 5; expected a finite number/);
    const size = trainer.algorithm.agent.table.size;
    await expectRefusedBeforeBuild(gpu, poke('optimizer.moments', size + 1, -1), /'optimizer\.moments' holds -1 at index \d+; expected a second moment >= 0/);
    await expectRefusedBeforeBuild(gpu, poke('optimizer.control', 1, 2.5), /'optimizer\.control' holds 2\.5 at index 1; expected a whole number of Adam steps/);
    await expectRefusedBeforeBuild(gpu, poke('normalizer.stats', 2, Number.POSITIVE_INFINITY), /'normalizer\.stats' holds Infinity at index 2/);
    await expectRefusedBeforeBuild(gpu, poke('normalizer.stats', 5, -0.5), /'normalizer\.stats' holds -0\.5 at index 5; expected a variance >= 0/);
    await expectRefusedBeforeBuild(gpu, poke('env.state', 3, Number.NaN), /'env\.state' holds NaN at index 3/);
    await expectRefusedBeforeBuild(gpu, poke('env.episode_steps', 0, 500), /'env\.episode_steps' holds 500 at index 0; expected a step count below the episode limit 500/);
    await expectRefusedBeforeBuild(gpu, poke('ppo.state', 0, Number.NEGATIVE_INFINITY), /'ppo\.state' holds -Infinity/);
    trainer.destroy();
  });

  gpuTest('architecture sizes bounded: a clear CheckpointError, not an allocation failure', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    const huge = (bytes: Uint8Array, edit: (a: Record<string, unknown>) => void) =>
      rewrite(bytes, (f) => {
        const architecture = JSON.parse(f.metadata.architecture!) as Record<string, unknown>;
        edit(architecture);
        f.metadata.architecture = JSON.stringify(architecture);
      });
    await expectRefused(gpu, () => loadPolicy(huge(policy, (a) => (a.hidden = [1e9])), { gpu }), /architecture metadata has hidden \[1000000000\]; expected 1 to 64 layer widths in 1\.\.1024/);
    await expectRefused(gpu, () => loadPolicy(huge(policy, (a) => (a.hidden = new Array(1000).fill(64))), { backend: 'cpu' }), /expected 1 to 64 layer widths/);
    const wideEnv = rewrite(policy, (f) => {
      f.metadata.env = f.metadata.env!.replace('"observationSize":4', '"observationSize":2000000000');
      f.metadata.architecture = f.metadata.architecture!.replace('"observationSize":4', '"observationSize":2000000000');
    });
    await expectRefused(gpu, () => loadPolicy(wideEnv, { backend: 'cpu' }), /tensor 'actor\.0\.weight' is F32 \[4, 64\]; the architecture in the header needs F32 \[2000000000, 64\]/);
    const badBox = rewrite(policy, (f) => (f.metadata.env = f.metadata.env!.replace('"maxEpisodeSteps":500', '"maxEpisodeSteps":-3')));
    await expectRefused(gpu, () => loadPolicy(badBox, { backend: 'cpu' }), /env metadata is malformed: .*maxEpisodeSteps is -3/);
    await expectRefusedBeforeBuild(gpu, huge(checkpoint, (a) => (a.hidden = [4096, 4096])), /expected 1 to 64 layer widths in 1\.\.1024/);
    trainer.destroy();
  });

  gpuTest("a config that differs from the trainer it would build, or from the file's own metadata, is refused before building", async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const checkpoint = await saveTrainer(trainer);
    const config = (edit: (c: Record<string, unknown>) => void) =>
      rewrite(checkpoint, (f) => {
        const parsed = JSON.parse(f.metadata.config!) as Record<string, unknown>;
        edit(parsed);
        f.metadata.config = JSON.stringify(parsed);
      });
    // Sizes the tensors were not saved for.
    await expectRefusedBeforeBuild(gpu, config((c) => (c.num_envs = 16)), /tensor 'normalizer\.lanes' is F32 \[\d+\]; expected F32 \[\d+\]/);
    await expectRefusedBeforeBuild(gpu, config((c) => (c.hidden_sizes = [32, 32])), /config \(hidden_sizes \[32,32\], activation 'tanh'\) disagrees with its architecture metadata \(hidden \[64,64\]/);
    await expectRefusedBeforeBuild(gpu, config((c) => (c.activation = 'relu')), /disagrees with its architecture metadata/);
    // A key left out would be filled with today's default, which need not be the run's.
    await expectRefusedBeforeBuild(gpu, config((c) => delete c.learning_rate), /config has no 'learning_rate'/);
    // ... except the tuner's keys (kernel layouts, same results): a file from before them loads with the defaults.
    const beforeTuner = await loadTrainer(config((c) => { delete c.tune; delete c.tune_budget_ms; }), { gpu });
    expect([beforeTuner.config.tune, beforeTuner.config.tune_budget_ms]).toEqual([false, 3000]);
    beforeTuner.destroy();
    await expectRefusedBeforeBuild(gpu, config((c) => (c.clip_coef = -1)), /config is invalid: trainer config 'clip_coef' is -1/);
    // Inherited names and __proto__ are refused like unknown keys, never merged.
    const withProto = rewrite(checkpoint, (f) => (f.metadata.config = f.metadata.config!.replace('{', '{"__proto__":{"num_envs":1},')));
    await expectRefusedBeforeBuild(gpu, withProto, /trainer config '__proto__' is .*no such key/);
    await expectRefusedBeforeBuild(gpu, config((c) => Object.assign(c, { constructor: 'x' })), /trainer config 'constructor' is "x"; expected no such key/);
    await expectRefusedBeforeBuild(gpu, config((c) => (c.env = 'Acrobot-v1')), /config is for "Acrobot-v1" but its env metadata for 'CartPole-v1'/);
    trainer.destroy();
  });
});
