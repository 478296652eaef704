/**
 * Runs the environment benchmark alone and prints a Markdown table:
 *   npx tsx bench/envs-main.ts [--quick]
 */
import { getGpu } from '../src/gpu/device.js';
import { benchEnvs } from './cases/envs.js';
import { formatNumber, markdownTable, type CaseResult } from './harness.js';

const quick = process.argv.includes('--quick');
const gpu = await getGpu();
const started = performance.now();
const results = await benchEnvs({ gpu, quick, log: (line) => console.error(line) });

const key = (r: CaseResult) => `${String(r.params.env)}|${String(r.params.numEnvs)}`;
const cpu = new Map(results.filter((r) => r.name === 'envs.cpuReference').map((r) => [key(r), r]));
const rows = results
  .filter((r) => r.name === 'envs.gpu')
  .map((r) => {
    const ref = cpu.get(key(r))!;
    return [
      String(r.params.env),
      String(r.params.numEnvs),
      formatNumber(r.median),
      `${formatNumber(r.min)} - ${formatNumber(r.max)}`,
      formatNumber(ref.median),
      `${(r.median / ref.median).toFixed(2)}x`,
    ];
  });
console.log(`Adapter: ${[gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description].filter(Boolean).join(' / ')}`);
console.log(
  markdownTable(['environment', 'numEnvs', 'GPU steps/s (median)', 'GPU min - max', 'CPU float64 reference steps/s', 'GPU / CPU'], rows),
);
for (const r of results.filter((r) => r.name === 'envs.vecEnvStep')) {
  console.log(`\nVecEnv.step() (one submit + one readback per step), ${String(r.params.env)} x ${String(r.params.numEnvs)}: ${formatNumber(r.median)} steps/s`);
}
console.log(`\n(${quick ? 'quick' : 'full'} run, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
gpu.destroy();
