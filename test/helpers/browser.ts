/**
 * Browser test plumbing: headless Chromium under puppeteer with WebGPU on (SwiftShader where there is no GPU),
 * a Vite dev server over the repository, and a record of everything a page logs (scripts/browser.ts), so that a
 * test fails on any page error or WebGPU error.
 *
 * A test page is an .html + .ts pair in test/browser/; its script calls `runOnPage` (test/browser/page.ts), which
 * runs the body on the page's GPU inside error scopes and publishes the outcome for `BrowserSession.run`.
 *
 * puppeteer never downloads a browser (.puppeteerrc.cjs). The executable is, in order: PUPPETEER_EXECUTABLE_PATH,
 * the one the set-up step found (node_modules/.cache/webgpu-rl/setup.json), a system Chromium or Chrome,
 * puppeteer's own where a user's machine has one. Without any, `browserTest` skips and says why.
 */
import type { Browser } from 'puppeteer';
import type { ViteDevServer } from 'vite';
import { afterAll, test, type TestContext } from 'vitest';
import { skipUnlessCi } from './ciPromise.js';
import { browserExecutable, closeBrowser, launchBrowser, recordPage, startDevServer, type PageLog } from '../../scripts/browser.js';

export { recordPage, type PageLog };

/** What `runOnPage` (test/browser/page.ts) publishes. */
export type PageOutcome<T> =
  | { ok: true; value: T; adapter: { vendor: string; architecture: string; description: string }; userAgent: string }
  | { ok: false; error: string };

export interface PageRun<T> {
  value: T;
  adapter: { vendor: string; architecture: string; description: string };
  userAgent: string;
  log: PageLog;
}

export class BrowserSession {
  constructor(
    readonly browser: Browser,
    readonly baseUrl: string,
    readonly executable: string,
  ) {}

  /**
   * Opens a page of the repository (e.g. `test/browser/rng-kernel.html`), waits for its `runOnPage` outcome and
   * returns it. Throws, with the page's console, when the body failed or the page logged any error.
   */
  async run<T>(path: string, timeoutMs = 120_000): Promise<PageRun<T>> {
    const page = await this.browser.newPage();
    const log = recordPage(page);
    try {
      const response = await page.goto(`${this.baseUrl}/${path.replace(/^\//, '')}`, { waitUntil: 'load', timeout: timeoutMs });
      if (!response?.ok()) throw new Error(`page ${path}: HTTP ${response?.status() ?? 'no response'} from the dev server (is the file in the repository?)`);
      await page.waitForFunction('globalThis.__webgpuRlOutcome !== undefined', { timeout: timeoutMs, polling: 100 });
      const outcome = (await page.evaluate('globalThis.__webgpuRlOutcome')) as PageOutcome<T>;
      const context = () => (log.messages.length ? `\npage console:\n  ${log.messages.join('\n  ')}` : '');
      if (!outcome.ok) throw new Error(`page ${path} failed: ${outcome.error}${context()}`);
      if (log.errors.length) throw new Error(`page ${path} reported errors:\n  ${log.errors.join('\n  ')}${context()}`);
      return { value: outcome.value, adapter: outcome.adapter, userAgent: outcome.userAgent, log };
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new Error(`page ${path} published no outcome in ${timeoutMs} ms; errors: ${log.errors.join(' | ') || 'none'}; console: ${log.messages.join(' | ') || 'empty'}`);
      }
      throw error;
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await closeBrowser(this.browser);
  }
}

let session: Promise<BrowserSession | string> | undefined;
let server: ViteDevServer | undefined;
let cleanupRegistered = false;

/** The test file's browser and dev server, started on first use; or the reason there is no browser. */
export function browserOrReason(): Promise<BrowserSession | string> {
  session ??= (async () => {
    const executable = browserExecutable();
    if ('reason' in executable) return executable.reason;
    const dev = await startDevServer();
    server = dev.server;
    const browser = await launchBrowser(executable.path);
    return new BrowserSession(browser, dev.baseUrl, executable.path);
  })();
  return session;
}

async function closeSession(): Promise<void> {
  const current = await session?.catch(() => undefined);
  session = undefined;
  if (current && typeof current !== 'string') await current.close();
  await server?.close();
  server = undefined;
}

/**
 * A test that drives headless Chromium. Without a browser it skips and prints why (never a silent pass; under CI it
 * fails); a browser that starts but fails is a failure.
 */
export function browserTest(name: string, body: (session: BrowserSession, context: TestContext) => Promise<void>, timeout = 180_000): void {
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    afterAll(async () => {
      cleanupRegistered = false;
      await closeSession();
    });
  }
  test(name, async (context) => {
    const current = await browserOrReason();
    if (typeof current === 'string') {
      skipUnlessCi(context, 'a browser', current);
      return;
    }
    await body(current, context);
  }, timeout);
}
