/**
 * The benchmark suite in Node (Dawn):  npm run bench -- [--quick] [--json FILE] [--only peak,envs,ppo,solve,act]
 * [--no-results]. Every case validates, warms up and measures; results go to bench/results/ (JSON, Markdown, SVG)
 * and, with --json, FILE; `npm run readme` then copies them into the README's benchmark section. The TF.js baseline runs on tfjs-backend-webgpu over
 * Dawn on the engine's adapter, on tfjs-backend-wasm (SIMD; TF.js has no threads in Node) and on TF.js's
 * plain-JavaScript 'cpu' backend, each job in a child process.
 */
import { getGpu } from '../src/gpu/device.js';
import { parseArgs, runSuite, describe } from './suite.js';
import { LoadMonitor, machineInfo, toJson, writeOutputs } from './write.js';
import { markdownReport } from './report.js';
import { childProcessRunner } from './baselines/tfjsChildRunner.js';

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const monitor = new LoadMonitor();
// The engine's device first: once TF.js installs navigator.gpu, the engine would take the browser path.
const gpu = await getGpu();
const log = (line: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const t0 = performance.now();
log(`Node ${process.version}, adapter ${describe(gpu.adapter)}${options.quick ? ', quick run' : ''}`);
// TF.js jobs run in child processes: tfjs-backend-webgpu on Dawn can crash its process (see tfjsJobs.ts).
const suite = await runSuite(gpu, { runtime: 'node', quick: options.quick, only: options.only, tfjsBackends: ['webgpu', 'wasm', 'cpu'], tfjsRunner: childProcessRunner(log), log });
const json = toJson(suite, machineInfo(monitor, suite));
const written = writeOutputs(json, { jsonFile: options.json, results: options.results });
console.log(markdownReport(json));
log(`wrote ${written.join(', ')}`);
gpu.destroy();
// TF.js's WebGPU device (its own Dawn instance) keeps the event loop alive: leave explicitly.
process.exit(0);
