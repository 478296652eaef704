/**
 * Runs the self-play benchmark alone (the suite's case `selfplay`, bench/cases/selfplay.ts) and writes
 * bench/results/selfplay.{json,md}:
 *   nice -n 10 npx tsx bench/selfplay-main.ts [--quick] [--no-results]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getGpu } from '../src/gpu/device.js';
import { benchSelfPlay } from './cases/selfplay.js';
import { selfPlayReport, selfPlayText } from './cases/selfplayReport.js';
import type { Comparison } from './harness.js';
import { LoadMonitor, machineInfo, RESULTS_DIR } from './write.js';

const quick = process.argv.includes('--quick');
const monitor = new LoadMonitor();
const gpu = await getGpu();
const started = performance.now();
const comparisons: Comparison[] = [];
const cases = await benchSelfPlay({ gpu, quick, log: (line) => console.error(line), comparisons });
const seconds = (performance.now() - started) / 1000;
const machine = machineInfo(monitor, { quick, seconds });
const adapter = [gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description].filter(Boolean).join(' / ');
const md = [
  '# Self-play: Pong-v0 (bench/cases/selfplay.ts)',
  '',
  `\`nice -n 10 npx tsx bench/selfplay-main.ts${quick ? ' --quick' : ''}\` (also \`npm run bench -- --only selfplay\`). Adapter ${adapter}; ${String(machine.cpu)}, ${String(machine.cores)} cores, ` +
    `${machine.shared ? 'shared with other work while it ran' : 'otherwise idle'} (load ${(machine.loadStart as number[]).map((l) => l.toFixed(2)).join(' ')} at the start); ` +
    `${machine.date as string}, commit ${String(machine.commit)}; ${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s.`,
  '',
  selfPlayText(cases),
  '',
  selfPlayReport(cases),
  '',
].join('\n');
console.log(md);
if (!process.argv.includes('--no-results')) {
  writeFileSync(join(RESULTS_DIR, 'selfplay.json'), `${JSON.stringify({ machine, adapter: gpu.adapter, cases, comparisons }, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'selfplay.md'), md);
}
gpu.destroy();
