/**
 * The kernel lab on its own: `npm run bench:kernels -- [gradients] [dense] [adam] [trpo] [conv] [--quick]` (all when none is named).
 * Measures the adapter's FMA peak first (the yardstick of "of peak"), then validates and times each operation's
 * variants, and prints one Markdown table per operation. Another adapter in Node:
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npm run bench:kernels`.
 */
import { getGpu } from '../../src/gpu/device.js';
import { benchFmaPeak } from '../cases/fmaPeak.js';
import { formatNumber, markdownTable } from '../harness.js';
import { adamLab } from './adam.js';
import { denseLab } from './dense.js';
import { gradientLab } from './gradients.js';
import { trpoLab } from './trpo.js';
import { convLab } from './conv.js';

const OPERATIONS = ['gradients', 'dense', 'adam', 'trpo', 'conv'] as const;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const named = args.filter((a) => !a.startsWith('--'));
for (const name of named) {
  if (!(OPERATIONS as readonly string[]).includes(name)) {
    console.error(`bench:kernels: unknown operation '${name}'; expected ${OPERATIONS.join(', ')}`);
    process.exit(2);
  }
}
const selected = named.length ? named : [...OPERATIONS];
const log = (line: string) => console.error(`[kernels] ${line}`);
const gpu = await getGpu();
log(`adapter ${[gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description].filter(Boolean).join(' / ')}${quick ? ', quick run' : ''}`);
const peak = await benchFmaPeak({ gpu, quick: true, log });
log(`FMA peak ${peak.gflops.toFixed(1)} GFLOP/s`);
const reps = quick ? 3 : 7;
const target = quick ? 0.05 : 0.2;
const pct = (v: unknown) => (typeof v === 'number' ? `${(100 * v).toFixed(1)}%` : '–');

if (selected.includes('gradients')) {
  const rows = await gradientLab(gpu, { batches: quick ? [128, 1024] : [128, 512, 1024, 4096], reps, target, peakGflops: peak.gflops, log });
  console.log(`\n## PPO minibatch gradient (CartPole network 4-64-64-2 / 4-64-64-1), FMA peak ${peak.gflops.toFixed(1)} GFLOP/s\n`);
  console.log(
    markdownTable(
      ['kernel', 'variant', 'batch', 'engine picks it', 'ms (spread)', 'GFLOP/s', 'of FMA peak', 'clock'],
      rows.map((r) => [
        String(r.params.kernel),
        String(r.params.variant),
        String(r.params.batch),
        r.params.engineChoice === undefined ? '' : r.params.engineChoice ? 'yes' : 'no',
        `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`,
        typeof r.params.gflops === 'number' ? r.params.gflops.toFixed(2) : '',
        pct(r.params.fractionOfPeak),
        String(r.params.clock),
      ]),
    ),
  );
}
if (selected.includes('dense')) {
  const rows = await denseLab(gpu, { batches: quick ? [4096] : [4096, 16384, 65536], reps, target, peakGflops: peak.gflops, log });
  console.log(`\n## One dense layer 64 -> 64 (tanh) over a minibatch, by layout (bench/kernels/dense.ts), FMA peak ${peak.gflops.toFixed(1)} GFLOP/s\n`);
  console.log(
    markdownTable(
      ['variant', 'batch', "the engine's layout", 'ms (spread)', 'GFLOP/s', 'of FMA peak', 'clock'],
      rows.map((r) => [
        String(r.params.variant),
        String(r.params.batch),
        r.params.engineChoice ? 'yes' : '',
        `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`,
        Number(r.params.gflops).toFixed(2),
        pct(r.params.fractionOfPeak),
        String(r.params.clock),
      ]),
    ),
  );
}
if (selected.includes('adam')) {
  const rows = await adamLab(gpu, { counts: quick ? [4_738, 1_000_000] : [4_738, 70_000, 1_000_000], reps, target, log });
  console.log('\n## Adam with global-norm clipping\n');
  console.log(
    markdownTable(
      ['parameters', 'variant', 'ms per step (spread)', 'GB/s (32 bytes per parameter)', 'clock'],
      rows.map((r) => [String(r.params.count), String(r.params.variant), `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`, Number(r.params.gbps).toFixed(2), String(r.params.clock)]),
    ),
  );
}
if (selected.includes('trpo')) {
  const rows = await trpoLab(gpu, { batches: quick ? [2048] : [512, 2048, 8192], reps, target, log });
  console.log("\n## TRPO actor step (CartPole's actor 4-64-64-2): the line search decided on the GPU or on the host, and the phases\n");
  console.log(
    markdownTable(
      ['batch', 'what', 'ms (spread)', 'detail', 'clock'],
      rows.map((r) => [String(r.params.batch), String(r.params.variant), `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`, String(r.params.detail), String(r.params.clock)]),
    ),
  );
}
if (selected.includes('conv')) {
  const rows = await convLab(gpu, { batch: 1024, reps, target, peakGflops: peak.gflops, log });
  console.log(`\n## The convolutional encoder in the PPO update (Breakout's network: conv 16 3x3 on [10, 10, 4], dense 128, both networks), FMA peak ${peak.gflops.toFixed(1)} GFLOP/s\n`);
  console.log(
    markdownTable(
      ['kernel', 'batch', 'FLOP per sample', 'ms (spread)', 'GFLOP/s', 'of FMA peak', 'clock'],
      rows.map((r) => [String(r.params.kernel), String(r.params.batch), formatNumber(Number(r.params.flopsPerSample)), `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`, Number(r.params.gflops).toFixed(2), pct(r.params.fractionOfPeak), String(r.params.clock)]),
    ),
  );
}
gpu.destroy();
