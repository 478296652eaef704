/**
 * Headless Chromium for the browser tests and `npm run bench:chrome`: the executable (never downloaded), the
 * switches that give WebGPU on a machine without a GPU, a Vite dev server over the repository (so pages import
 * ../src and ../shaders TypeScript directly), and a record of everything a page logs.
 *
 * The executable is, in order: PUPPETEER_EXECUTABLE_PATH, the one the set-up step found
 * (node_modules/.cache/webgpu-rl/setup.json), a system Chromium or Chrome, puppeteer's own where a user's machine
 * has one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { findBrowser, ROOT, SETUP_FILE, type SetupResult } from './prepare.mjs';

/**
 * Chromium's switches for WebGPU compute, headless, on a machine without a GPU (README, "WebGPU without a GPU"). Measured
 * here (Chromium 156, Debian): --enable-unsafe-webgpu alone gives an adapter (SwiftShader, isFallbackAdapter);
 * without it requestAdapter() returns null. --enable-features=Vulkan, --use-angle=swiftshader and
 * --use-webgpu-adapter=swiftshader change nothing, so they are left out. The rest keep a closed network quiet
 * (no update, sync or QUIC traffic) and survive a small /dev/shm in containers.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** The browser executable to launch, or the reason there is none. */
export function browserExecutable(): { path: string; source: string } | { reason: string } {
  const explicit = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (explicit) {
    return existsSync(explicit)
      ? { path: explicit, source: 'PUPPETEER_EXECUTABLE_PATH' }
      : { reason: `PUPPETEER_EXECUTABLE_PATH is '${explicit}', which does not exist` };
  }
  let setupProblem: string | null = null;
  try {
    const setup = JSON.parse(readFileSync(SETUP_FILE, 'utf8')) as SetupResult;
    if (setup.browser && existsSync(setup.browser.path)) return { path: setup.browser.path, source: 'set-up step' };
    setupProblem = setup.browserProblem;
  } catch {
    // The set-up step has not run (vitest started directly): look for ourselves.
  }
  const found = findBrowser();
  if (found.path) return { path: found.path, source: found.source };
  try {
    const own = puppeteer.executablePath();
    if (own && existsSync(own)) return { path: own, source: "puppeteer's own" };
  } catch {
    // No puppeteer browser configured.
  }
  return {
    reason:
      (setupProblem ?? found.problem) +
      '. Run `npm test` (its set-up step installs Chromium as root on Debian/Ubuntu), or `apt-get install -y chromium`, ' +
      'or set PUPPETEER_EXECUTABLE_PATH',
  };
}

/** Launches headless Chromium with WebGPU on and a fresh profile (`closeBrowser` deletes it). */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'webgpu-rl-chromium-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(isRoot ? ['--no-sandbox'] : []), `--user-data-dir=${profile}`],
    protocolTimeout: 180_000,
  });
  profiles.set(browser, profile);
  return browser;
}

const profiles = new WeakMap<Browser, string>();

/** Closes the browser (waiting for its processes to exit), then deletes its profile. */
export async function closeBrowser(browser: Browser): Promise<void> {
  await browser.close().catch(() => undefined);
  const profile = profiles.get(browser);
  if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/**
 * A Vite dev server over the whole repository on a free loopback port. It ignores vite.config.ts (whose root is
 * demos/), watches nothing and discovers no dependencies to pre-bundle, so a page never reloads mid-test.
 */
export async function startDevServer(): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const server = await createServer({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    clearScreen: false,
    appType: 'mpa',
    cacheDir: join(ROOT, 'node_modules', '.cache', 'webgpu-rl', 'vite-test'),
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null, fs: { allow: [ROOT] } },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite dev server has no TCP address');
  return { server, baseUrl: `http://127.0.0.1:${address.port}` };
}

/** Everything a page said, and the part of it that fails a test. */
export interface PageLog {
  /** Uncaught exceptions, console errors, WebGPU warnings, failed requests. */
  errors: string[];
  /** Every console message, as `type: text`, for the failure message. */
  messages: string[];
}

/** Chrome reports uncaptured WebGPU errors (validation, out of memory, lost device) as console warnings. */
const WEBGPU_WARNING = /WebGPU|WGSL|GPU[A-Z]\w+|\[Invalid |device (was )?lost/i;

/** Starts recording a page's errors and messages (before it navigates, so nothing is missed). */
export function recordPage(page: Page): PageLog {
  const log: PageLog = { errors: [], messages: [] };
  page.on('pageerror', (error) => log.errors.push(`uncaught: ${error instanceof Error ? error.stack ?? error.message : String(error)}`));
  page.on('console', (message) => {
    const where = message.location().url ? ` (${message.location().url}:${message.location().lineNumber ?? 0})` : '';
    const line = `${message.type()}: ${message.text()}${where}`;
    log.messages.push(line);
    if (message.type() === 'error' || (message.type() === 'warn' && WEBGPU_WARNING.test(message.text()))) log.errors.push(line);
  });
  page.on('requestfailed', (request) => log.errors.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`));
  page.on('response', (response) => {
    if (response.status() >= 400) log.errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return log;
}
