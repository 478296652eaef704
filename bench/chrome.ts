/**
 * The benchmark suite in headless Chromium:  npm run bench:chrome -- [--quick] [--json FILE] [--only ...]
 * [--no-results]. A Vite dev server serves the repository (TF.js pre-bundled), puppeteer opens bench/page/ in
 * Chromium with WebGPU on (test/helpers/browser.ts: the same executable and switches as the browser tests), the
 * page runs bench/suite.ts on its own WebGPU device, and this side writes the results as `npm run bench` does.
 * The server sends the cross-origin isolation headers (COOP same-origin, COEP require-corp) that TF.js's wasm
 * backend needs for threads, and serves that backend's .wasm files from node_modules (the page gets their URL).
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer } from 'vite';
import { browserExecutable, closeBrowser, launchBrowser, recordPage } from '../scripts/browser.js';
import { parseArgs, type SuiteResult } from './suite.js';
import { markdownReport } from './report.js';
import { LoadMonitor, machineInfo, REPO, toJson, writeOutputs } from './write.js';

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const executable = browserExecutable();
if ('reason' in executable) {
  console.error(`bench:chrome: no browser: ${executable.reason}`);
  process.exit(1);
}
const monitor = new LoadMonitor();
// node_modules may be a link to another checkout: Vite checks the real path against fs.allow.
const wasmDirectory = realpathSync(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')));
const server = await createServer({
  configFile: false,
  root: REPO,
  logLevel: 'warn',
  clearScreen: false,
  appType: 'mpa',
  cacheDir: join(REPO, 'node_modules', '.cache', 'webgpu-rl', 'vite-bench'),
  // TF.js ships CommonJS dependencies (seedrandom): pre-bundle it; nothing else is discovered or reloaded.
  optimizeDeps: { noDiscovery: true, include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  server: {
    host: '127.0.0.1',
    port: 0,
    hmr: false,
    watch: null,
    fs: { allow: [REPO, wasmDirectory] },
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
await server.listen();
const address = server.httpServer?.address();
if (!address || typeof address === 'string') throw new Error('the Vite dev server has no TCP address');
const browser = await launchBrowser(executable.path);
let exitCode = 0;
try {
  const version = await browser.version();
  const page = await browser.newPage();
  const pageLog = recordPage(page);
  page.on('console', (message) => {
    if (message.text().startsWith('[bench')) console.error(message.text());
  });
  const query = new URLSearchParams({ ...(options.quick ? { quick: '1' } : {}), ...(options.only ? { only: options.only.join(',') } : {}), wasm: `/@fs${wasmDirectory}/` });
  const url = `http://127.0.0.1:${address.port}/bench/page/index.html?${query}`;
  console.error(`bench:chrome: ${version} (${executable.path}) on ${url}`);
  const response = await page.goto(url, { waitUntil: 'load', timeout: 300_000 });
  if (!response?.ok()) throw new Error(`bench page: HTTP ${response?.status()}`);
  // Poll from here (a long waitForFunction would run into puppeteer's protocol timeout).
  let outcome: { ok: true; value: SuiteResult; userAgent: string } | { ok: false; error: string } | undefined;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    outcome = (await page.evaluate('globalThis.__benchResult')) as typeof outcome;
    if (outcome) break;
    const fatal = pageLog.errors.find((e) => e.startsWith('uncaught') || e.startsWith('HTTP') || e.startsWith('request failed'));
    if (fatal) throw new Error(`bench page failed: ${fatal}\n  ${pageLog.errors.join('\n  ')}`);
  }
  if (!outcome.ok) throw new Error(`bench page failed: ${outcome.error}`);
  if (pageLog.errors.length) console.error(`bench:chrome: the page reported:\n  ${pageLog.errors.join('\n  ')}`);
  const suite = outcome.value;
  const json = toJson(suite, machineInfo(monitor, suite, { browserVersion: version.replace(/^HeadlessChrome\//, ''), userAgent: outcome.userAgent }));
  const written = writeOutputs(json, { jsonFile: options.json, results: options.results });
  console.log(markdownReport(json));
  console.error(`bench:chrome: wrote ${written.join(', ')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await closeBrowser(browser);
  await server.close();
}
process.exit(exitCode);
