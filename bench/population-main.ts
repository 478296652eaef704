/**
 * Runs the population benchmark alone and writes bench/results/population.{json,md}:
 *   npx tsx bench/population-main.ts [--quick] [--no-results]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getGpu } from '../src/gpu/device.js';
import { benchPopulation, populationReport } from './cases/population.js';
import { LoadMonitor, machineInfo, RESULTS_DIR } from './write.js';

const quick = process.argv.includes('--quick');
const monitor = new LoadMonitor();
const gpu = await getGpu();
const started = performance.now();
const cases = await benchPopulation({ gpu, quick, log: (line) => console.error(line) });
const seconds = (performance.now() - started) / 1000;
const machine = machineInfo(monitor, { quick, seconds });
const adapter = [gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description].filter(Boolean).join(' / ');
const md = [
  '# Populations: throughput and time to solve (bench/cases/population.ts)',
  '',
  `Adapter ${adapter}; ${String(machine.cpu)}, ${String(machine.cores)} cores, ${machine.shared ? 'shared with other work while it ran' : 'otherwise idle'} ` +
    `(load ${(machine.loadStart as number[]).map((l) => l.toFixed(2)).join(' ')} at the start); ${machine.date as string}, commit ${String(machine.commit)}; ${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s.`,
  '',
  'CartPole-v1 defaults per agent (8 envs × 32 steps, 20 epochs of one minibatch); seeds 1 … P. Each agent keeps its own kernels, dispatched one agent after the other in one command buffer per iteration.',
  '',
  populationReport(cases),
  '',
].join('\n');
console.log(md);
if (!process.argv.includes('--no-results')) {
  writeFileSync(join(RESULTS_DIR, 'population.json'), `${JSON.stringify({ machine, adapter: gpu.adapter, cases }, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'population.md'), md);
}
gpu.destroy();
