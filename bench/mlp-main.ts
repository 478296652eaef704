/**
 * The MLP micro-benchmark on its own: `npx tsx bench/mlp-main.ts [--quick] [--json file] [--fused-registers]`.
 * Prints Markdown tables: the adapter's FMA peak, the per-dispatch overhead, the GFLOP/s of the 64-64-64 MLP's
 * forward and backward kernels (and their layout alternatives) at batch 256, 4096 and 65536 with the fraction of
 * the peak, Adam's throughput and the fused per-sample kernel. Another adapter:
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx bench/mlp-main.ts`.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { requestGpu } from '../src/gpu/device.js';
import { defaultTiling } from '../src/nn/dense.js';
import { formatNumber, markdownTable, type CaseResult } from './harness.js';
import { backgroundLoad, benchMlp } from './cases/mlp.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonPath = jsonAt >= 0 ? args[jsonAt + 1] : undefined;

const gpu = await requestGpu();
const started = performance.now();
const { result: results, background } = await backgroundLoad(() =>
  benchMlp({ gpu, quick, log: (line) => console.error(`[mlp-bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`) }, { fusedRegisters: args.includes('--fused-registers') }),
);
const seconds = (performance.now() - started) / 1000;

const num = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : formatNumber(v)) : String(v ?? ''));
const spread = (r: CaseResult) => `${formatNumber(r.min)}–${formatNumber(r.max)}`;
const pct = (r: CaseResult) => (typeof r.params.fractionOfPeak === 'number' ? `${(100 * r.params.fractionOfPeak).toFixed(1)}%` : '');
const prep = (r: CaseResult) => (typeof r.params.prepareMs === 'number' ? (r.params.prepareMs / 1000).toFixed(1) : '');
const byName = (name: string) => results.filter((r) => r.name === name);

const out: string[] = [];
out.push(`# MLP micro-benchmark${quick ? ' (--quick)' : ''}`);
out.push('');
out.push(`Adapter: ${gpu.adapter.vendor} / ${gpu.adapter.architecture} / ${gpu.adapter.description}; timestamps: ${gpu.hasTimestamps ? 'yes' : 'no'}; ` +
  `${cpus().length} CPU cores; other processes used ${background === undefined ? 'an unknown share' : `${(100 * background).toFixed(0)}%`} of the CPU during the run; ${seconds.toFixed(0)} s in all.`);
out.push(`Engine tiling on this adapter (src/nn/dense.ts defaultTiling): ${JSON.stringify(defaultTiling(gpu.adapter))}.`);
out.push('Medians of interleaved rounds, with the spread (slowest–fastest round). Rates use GPU timestamps around one compute pass of many dispatches (clock gpu; else wall); "wall µs/call" is encode + submit + onSubmittedWorkDone over the same pass, per call. "prepare s": compile, first run and validation (the Mesa shader cache makes reruns fast).');
out.push('');

const peak = byName('fma-peak');
const peakValue = peak.find((r) => r.params.variant === 'peak (best shape)');
out.push('## Peak FMA rate (register FMAs, independent chains)');
out.push('');
out.push(markdownTable(['shape', 'GFLOP/s', 'spread'], peak.map((r) => [num(r.params.variant), num(r.median), spread(r)])));
out.push('');

out.push('## Per-dispatch overhead');
out.push('');
out.push(markdownTable(['what', 'clock', 'µs', 'spread'], byName('dispatch-overhead').map((r) => [num(r.params.variant), num(r.params.clock), num(r.median), spread(r)])));
out.push('');

const mlpCase = (name: string, title: string) => {
  const rows = byName(name).sort((a, b) => (a.params.batch as number) - (b.params.batch as number) || b.median - a.median);
  if (rows.length === 0) return;
  out.push(`## ${title}`);
  out.push('');
  out.push(
    markdownTable(
      ['batch', 'variant', 'GFLOP/s', 'spread', 'of peak', 'µs/call', 'clock', 'wall µs/call', 'prepare s'],
      rows.map((r) => [num(r.params.batch), num(r.params.variant), num(r.median), spread(r), pct(r), num(r.params.usPerCall), num(r.params.clock), num(r.params.wallUsPerCall), prep(r)]),
    ),
  );
  out.push('');
};
const network = byName('mlp-forward')[0]?.params.network ?? '';
mlpCase('mlp-forward', `MLP forward, ${network} (16,384 FLOPs per sample)`);
mlpCase('mlp-backward', `MLP backward as MlpRunner runs it: dW of both layers + dX of layer 1 (24,576 FLOPs per sample)`);
mlpCase('mlp-backward-input', 'backward_input (dX of layer 1, 8,192 FLOPs per sample)');
mlpCase('mlp-backward-weights', 'backward_weights (dW and db of both layers, 16,384 FLOPs per sample)');

out.push('## Adam (global-norm clipping + update, one step)');
out.push('');
out.push(
  markdownTable(
    ['parameters', 'dispatches', 'Mparam/s', 'spread', 'GB/s (28 B/param)', 'µs/step', 'clock'],
    byName('adam').map((r) => [num(r.params.count), num(r.params.dispatches), num(r.median), spread(r), num(r.params.effectiveGBps), num(r.params.usPerCall), num(r.params.clock)]),
  ),
);
out.push('');
mlpCase('fused-mlp', `Fused per-sample kernel: ${byName('fused-mlp')[0]?.params.network ?? ''}, forward + dX + scratch rows (34,560 FLOPs per sample)`);
if (peakValue) out.push(`Peak used for "of peak": ${formatNumber(peakValue.median)} GFLOP/s (${peakValue.params.shape}).`);
console.log(out.join('\n'));

if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({ adapter: gpu.adapter, quick, seconds, background, results }, null, 2));
  console.error(`wrote ${jsonPath}`);
}
gpu.destroy();
