/**
 * The demo pages in headless Chromium (WebGPU on SwiftShader where there is no GPU), driven like a visitor would:
 * each page is opened with small settings from its URL, trains, and must show progress in its readouts (#env-steps
 * grows, #mean-return rises by a clear margin above its first value) without any page error or WebGPU message.
 * The games are played for some frames; files go out (download) and come back (file input); a browser without
 * WebGPU gets the notice. Screenshots go to test-output/demos/; the README's (one per page) are also copied to
 * demos/screenshots/ when WEBGPU_RL_UPDATE_SCREENSHOTS=1 or none is committed yet, so ordinary runs leave the
 * working tree clean.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'puppeteer';
import { build } from 'vite';
import { describe, expect } from 'vitest';
import { ROOT } from '../scripts/prepare.mjs';
import { browserTest, recordPage, type BrowserSession, type PageLog } from './helpers/browser.js';
import { decodeSafetensors, defaultsFor } from '../src/index.js';
import { FAMILY, memberKey } from '../demos/lib/family.js';

const OUTPUT = join(ROOT, 'test-output', 'demos');
const COMMITTED = join(ROOT, 'demos', 'screenshots');

interface DemoPage {
  page: Page;
  log: PageLog;
  /** Fails with the page's console when it reported any error. */
  expectClean(): void;
  close(): Promise<void>;
}

async function openDemo(session: BrowserSession, path: string, options: { noWebGpu?: boolean; baseUrl?: string } = {}): Promise<DemoPage> {
  const page = await session.browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const log = recordPage(page);
  if (options.noWebGpu) {
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
  }
  const response = await page.goto(`${options.baseUrl ?? `${session.baseUrl}/demos`}/${path}`, { waitUntil: 'load', timeout: 60_000 });
  // 304: the browser revalidated a page an earlier test already loaded.
  expect(response?.ok() || response?.status() === 304, `HTTP status ${response?.status()} of demos/${path}`).toBe(true);
  return {
    page,
    log,
    expectClean() {
      expect(log.errors, `errors on demos/${path}; console:\n  ${log.messages.join('\n  ')}`).toEqual([]);
    },
    close: () => page.close(),
  };
}

async function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '');
}

async function number(page: Page, selector: string): Promise<number> {
  const value = (await text(page, selector)).trim();
  return value === '' ? Number.NaN : Number(value);
}

/**
 * Polls until `condition` holds; fails with the page's status line, state and console when it never does, or at
 * once when the page reports an error before it holds (the condition is checked first, so waiting for an expected
 * error state does not race the error's own log line).
 */
async function waitUntil(demo: DemoPage, what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    if (demo.log.errors.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const status = await text(demo.page, '#status').catch(() => '(no status)');
  const state = await demo.page.evaluate(() => document.body.dataset.state).catch(() => '?');
  throw new Error(
    `${demo.log.errors.length ? 'the page reported errors' : `timed out after ${timeoutMs} ms`} waiting for ${what}; state '${state}', status: ${status}\n` +
      `errors:\n  ${demo.log.errors.join('\n  ') || 'none'}\nconsole:\n  ${demo.log.messages.join('\n  ') || 'empty'}`,
  );
}

/**
 * Waits for training to make progress: #env-steps grows, then #mean-return shows a first value and rises to at
 * least that value + `margin`. Returns the first and the last values seen.
 */
async function expectLearning(demo: DemoPage, margin: number, timeoutMs: number): Promise<{ start: number; end: number; steps: number }> {
  const { page } = demo;
  await waitUntil(demo, '#env-steps to grow', async () => (await number(page, '#env-steps')) > 0, timeoutMs);
  let start = Number.NaN;
  await waitUntil(demo, 'a first #mean-return', async () => Number.isFinite((start = await number(page, '#mean-return'))), timeoutMs);
  const stepsAtStart = await number(page, '#env-steps');
  let end = start;
  await waitUntil(demo, `#mean-return to rise from ${start} to at least ${start + margin}`, async () => (end = await number(page, '#mean-return')) >= start + margin, timeoutMs);
  const steps = await number(page, '#env-steps');
  expect(steps).toBeGreaterThan(stepsAtStart);
  return { start, end, steps };
}

/**
 * The learning curves under `within` (default #curves): each chart's caption and how many of its canvas pixels are
 * coloured (channels spread by more than 48: the series' lines and points, not the grey text, grid and frame).
 */
async function curves(page: Page, within = '#curves'): Promise<{ caption: string; colouredPixels: number }[]> {
  return page.$$eval(`${within} figure.curve`, (figures) =>
    figures.map((figure) => {
      const canvas = figure.querySelector('canvas');
      const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let colouredPixels = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
        if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 48) colouredPixels++;
      }
      return { caption: figure.querySelector('figcaption')?.textContent ?? '', colouredPixels };
    }),
  );
}

/** Saves a screenshot in test-output/demos/; the README's ones (`readme`) also in demos/screenshots/ (see the header). */
async function screenshot(page: Page, name: string, options: { readme?: boolean } = {}): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  const committed = join(COMMITTED, `${name}.png`);
  if (options.readme && (process.env.WEBGPU_RL_UPDATE_SCREENSHOTS === '1' || !existsSync(committed))) {
    mkdirSync(COMMITTED, { recursive: true });
    copyFileSync(path, committed);
  }
  return path;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.safetensors': 'application/octet-stream' };

/** A static file server over `root` on a free loopback port (what any web host does with the built demos). */
async function serveStatic(root: string): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(root, path || 'index.html');
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the static server has no TCP address');
  return { server, baseUrl: `http://127.0.0.1:${address.port}` };
}

describe('demos in headless Chromium', () => {
  browserTest('index: lists the demos and reports the WebGPU adapter', async (session) => {
    const demo = await openDemo(session, 'index.html');
    try {
      await waitUntil(demo, 'the WebGPU check', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'ready', 30_000);
      expect(await text(demo.page, '#status')).toMatch(/^WebGPU is available: /);
      const links = await demo.page.$$eval('.demo-list a', (anchors) => anchors.map((a) => a.getAttribute('href')));
      expect(links).toEqual(['./train.html', './family.html', './sweep.html', './squash.html', './pong.html', './snake.html', './catch.html']);
      await screenshot(demo.page, 'index', { readme: true });
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('without WebGPU every page says so and how to enable it, instead of failing silently', async (session) => {
    for (const path of ['index.html', 'train.html', 'family.html', 'sweep.html', 'squash.html', 'pong.html', 'snake.html', 'catch.html']) {
      const demo = await openDemo(session, path, { noWebGpu: true });
      try {
        await waitUntil(demo, 'the no-WebGPU notice', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'no-webgpu', 30_000);
        const notice = await demo.page.$eval('#webgpu-notice', (element) => ({ hidden: (element as HTMLElement).hidden, text: element.textContent ?? '' }));
        expect(notice.hidden, path).toBe(false);
        expect(notice.text, path).toMatch(/WebGPU is not available/);
        expect(notice.text, path).toMatch(/Chrome or Edge 113/);
        expect(notice.text, path).toMatch(/--enable-unsafe-webgpu/);
        expect(notice.text, path).toMatch(/chrome:\/\/flags/);
        demo.expectClean();
      } finally {
        await demo.close();
      }
    }
  });

  browserTest('train: CartPole-v1 learns live, drawn and plotted; policy and checkpoint download, load back, and the run continues', async (session) => {
    const demo = await openDemo(session, 'train.html?env=CartPole-v1&num_envs=8&num_steps=32&update_epochs=20&num_minibatches=1&autostart=1');
    const downloads = mkdtempSync(join(tmpdir(), 'webgpu-rl-downloads-'));
    try {
      const { start, end, steps } = await expectLearning(demo, 40, 110_000);
      console.log(`train.html CartPole-v1: mean return ${start} -> ${end} by ${steps} env steps`);
      await screenshot(demo.page, 'train', { readme: true });

      // Every learning curve is drawn and its caption reads a latest value.
      const charts = await curves(demo.page);
      expect(charts.map((c) => c.caption.split(' — ')[0])).toEqual(['Mean episode return', 'Policy loss', 'Value loss', 'Entropy', 'Approx KL', 'Clip fraction']);
      for (const chart of charts) {
        expect(chart.caption, 'a chart caption').toMatch(/ — -?\d/);
        expect(chart.colouredPixels, `coloured pixels of '${chart.caption}'`).toBeGreaterThan(50);
      }

      // Pause, download the policy and the checkpoint, reset; load the policy back, then the checkpoint, and go on.
      const state = () => demo.page.evaluate(() => document.body.dataset.state);
      await demo.page.click('#pause');
      await waitUntil(demo, 'the pause', async () => (await state()) === 'paused', 60_000);
      const pausedAt = await number(demo.page, '#env-steps');
      const cdp = await demo.page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
      const downloaded = (kind: string) => readdirSync(downloads).find((f) => new RegExp(`^CartPole-v1-${kind}-\\d+-steps\\.safetensors$`).test(f));
      await demo.page.click('#download-policy');
      await waitUntil(demo, 'the policy download', async () => downloaded('policy') !== undefined, 60_000);
      await demo.page.click('#download-checkpoint');
      await waitUntil(demo, 'the checkpoint download', async () => downloaded('checkpoint') !== undefined, 60_000);
      await demo.page.click('#reset');
      await waitUntil(demo, 'the reset', async () => (await state()) === 'idle', 60_000);
      expect(await number(demo.page, '#env-steps')).toBe(0);
      const upload = async (file: string) => {
        const input = await demo.page.$('#load-file');
        await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(join(downloads, file));
      };
      await upload(downloaded('policy')!);
      await waitUntil(demo, 'the loaded policy', async () => /^Playing CartPole-v1-policy-\d+-steps\.safetensors/.test(await text(demo.page, '#status')), 60_000);
      await upload(downloaded('checkpoint')!);
      await waitUntil(demo, 'the restored checkpoint', async () => /^Restored CartPole-v1-checkpoint/.test(await text(demo.page, '#status')), 90_000);
      const restoredAt = await number(demo.page, '#env-steps');
      expect(restoredAt, 'steps of the restored run').toBeGreaterThanOrEqual(pausedAt);
      await demo.page.click('#start');
      await waitUntil(demo, 'the restored run to continue', async () => (await number(demo.page, '#env-steps')) > restoredAt, 90_000);
      demo.expectClean();
    } finally {
      rmSync(downloads, { recursive: true, force: true });
      await demo.close();
    }
  });

  for (const env of ['Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'MinAtar/Breakout-v1']) {
    browserTest(`train: ${env} compiles, trains and draws without errors`, async (session) => {
      const demo = await openDemo(session, `train.html?env=${env}&num_envs=4&num_steps=16&update_epochs=1&num_minibatches=1&autostart=1&deterministic=1`);
      try {
        await waitUntil(demo, 'two iterations', async () => (await number(demo.page, '#env-steps')) >= 2 * 64, 100_000);
        expect(await demo.page.$eval('#env', (select) => (select as HTMLSelectElement).value)).toBe(env);
        await screenshot(demo.page, `train-${env.replaceAll('/', '-')}`);
        demo.expectClean();
      } finally {
        await demo.close();
      }
    });
  }

  browserTest("train: picking A2C or REINFORCE fills in that algorithm's defaults, and REINFORCE trains with the ψ chosen", async (session) => {
    const demo = await openDemo(session, 'train.html?env=CartPole-v1');
    try {
      await waitUntil(demo, 'the page to be ready', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'idle', 60_000);
      const value = (key: string) => demo.page.$eval(`#hp-${key}`, (input) => (input as HTMLInputElement).value);
      await demo.page.select('#hp-algo', 'a2c');
      expect([await value('num_steps'), await value('update_epochs'), await value('num_minibatches'), await value('gae_lambda')]).toEqual(['5', '1', '1', '1']);
      await demo.page.select('#hp-algo', 'reinforce');
      expect([await value('num_steps'), await value('update_epochs'), await value('psi')]).toEqual(['200', '1', 'baseline']);
      await demo.page.select('#hp-psi', 'reward_to_go');
      await demo.page.$eval('#hp-num_envs', (input) => ((input as HTMLInputElement).value = '4'));
      await demo.page.$eval('#hp-total_timesteps', (input) => ((input as HTMLInputElement).value = '1600'));
      await demo.page.click('#start');
      await waitUntil(demo, 'the run to finish', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'done', 120_000);
      expect(await number(demo.page, '#env-steps')).toBe(1600);
      await demo.page.select('#hp-algo', 'ppo');
      expect([await value('num_steps'), await value('update_epochs')]).toEqual(['32', '20']);
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('train: a file that is not a valid policy is refused with a clear message and changes nothing', async (session) => {
    const demo = await openDemo(session, 'train.html?env=CartPole-v1');
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-bad-file-'));
    try {
      await waitUntil(demo, 'the page to be ready', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'idle', 60_000);
      const squash = readFileSync(join(ROOT, 'demos', 'policies', 'squash.safetensors'));
      const cases: [string, Uint8Array, RegExp][] = [
        ['notes.safetensors', new TextEncoder().encode('just some text, not a policy'), /not a webgpu-rl policy or checkpoint/],
        ['truncated.safetensors', squash.subarray(0, squash.length - 100), /not a webgpu-rl policy or checkpoint|truncated/],
        ['squash.safetensors', squash, /'Squash-v0'/],
      ];
      for (const [name, bytes, message] of cases) {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        const input = await demo.page.$('#load-file');
        await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path);
        await waitUntil(demo, `the refusal of ${name}`, async () => (await text(demo.page, '#status')).startsWith(`Could not load ${name}`), 30_000);
        const status = await text(demo.page, '#status');
        expect(status).toMatch(message);
        expect(status).toMatch(/Nothing was changed\.$/);
        expect(await demo.page.evaluate(() => document.body.dataset.state)).toBe('idle');
        expect(await demo.page.$eval('#env', (select) => (select as HTMLSelectElement).value)).toBe('CartPole-v1');
      }
      demo.expectClean();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await demo.close();
    }
  });

  browserTest('family: every member of the policy-gradient family trains side by side on one device, its curve moving beside its estimator', async (session) => {
    const budget = 4800;
    const demo = await openDemo(session, `family.html?env=CartPole-v1&steps=${budget}&seed=1&autostart=1`);
    try {
      const cards = () =>
        demo.page.$$eval('.member', (sections) =>
          sections.map((section) => {
            const readout = (name: string) => section.querySelector(`[data-readout="${name}"]`)?.textContent?.trim() ?? '';
            return {
              key: (section as HTMLElement).dataset.key ?? '',
              state: (section as HTMLElement).dataset.state ?? '',
              steps: Number(readout('steps')),
              iterations: Number(readout('iterations')),
              meanReturn: readout('return') === '' ? Number.NaN : Number(readout('return')),
              estimator: section.querySelector('.estimator')?.textContent ?? '',
              scripts: section.querySelectorAll('.estimator sub, .estimator sup').length,
              variables: section.querySelectorAll('.estimator var').length,
            };
          }),
        );
      // The whole family, in the table's order, each estimator typeset from its markup.
      const shown = await cards();
      expect(shown.map((card) => card.key)).toEqual(FAMILY.map(memberKey));
      shown.forEach((card, i) => {
        expect(card.estimator, card.key).toBe(FAMILY[i]!.estimator.replace(/[_^{}]/g, ''));
        expect(card.scripts, `sub- and superscripts of ${card.key}`).toBeGreaterThan(0);
        expect(card.variables, `variables of ${card.key}`).toBeGreaterThan(0);
      });

      // Every curve moves: each card is seen at two different step counts on the way to the end of its budget.
      const seen = new Map<string, Set<number>>(shown.map((card) => [card.key, new Set<number>()]));
      const state = () => demo.page.evaluate(() => document.body.dataset.state);
      const started = Date.now();
      await waitUntil(
        demo,
        'the whole family to spend its budget',
        async () => {
          for (const card of await cards()) if (card.steps > 0) seen.get(card.key)!.add(card.steps);
          return (await state()) === 'done';
        },
        150_000,
      );
      const final = await cards();
      for (const [i, card] of final.entries()) {
        // CartPole's actions are discrete.
        const defaults = defaultsFor('CartPole-v1', false, FAMILY[i]!.algo);
        const batch = defaults.num_envs * defaults.num_steps;
        expect(card.state, card.key).toBe('done');
        expect(card.steps, `steps of ${card.key}: its whole batches within the budget`).toBe(Math.floor(budget / batch) * batch);
        expect(card.iterations, `points of ${card.key}`).toBe(Math.floor(budget / batch));
        expect(card.iterations, `points of ${card.key}`).toBeGreaterThanOrEqual(2);
        expect(seen.get(card.key)!.size, `step counts of ${card.key} seen while it trained: ${[...seen.get(card.key)!].join(', ')}`).toBeGreaterThanOrEqual(2);
        // CartPole's return is the episode's length: at least 8 steps, at most 500.
        expect(card.meanReturn, `mean return of ${card.key}`).toBeGreaterThanOrEqual(8);
        expect(card.meanReturn, `mean return of ${card.key}`).toBeLessThanOrEqual(500);
      }
      // PPO's many steps per batch learn within this budget (a random policy's episodes last about 22 steps).
      for (const key of ['ppo', 'ppo-penalty']) expect(final.find((card) => card.key === key)!.meanReturn, `mean return of ${key}`).toBeGreaterThan(60);
      const charts = await curves(demo.page, '#family');
      expect(charts).toHaveLength(FAMILY.length);
      for (const chart of charts) {
        expect(chart.caption).toMatch(/^Mean episode return — \d/);
        expect(chart.colouredPixels, `coloured pixels of a curve: ${chart.caption}`).toBeGreaterThan(50);
      }
      console.log(`family.html CartPole-v1, ${budget} steps each: ${final.map((card) => `${card.key} ${card.meanReturn}`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // Tall enough for the whole family, REINFORCE's first cards to PPO's last.
      await demo.page.setViewport({ width: 1280, height: 1600 });
      await screenshot(demo.page, 'family', { readme: true });
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('sweep: 2 values x 2 seeds train as one population, one band per value and a table of final returns', async (session) => {
    const budget = 2048;
    const demo = await openDemo(session, `sweep.html?env=CartPole-v1&key=learning_rate&values=0.003,0.0001&seeds=2&steps=${budget}&autostart=1`);
    try {
      const started = Date.now();
      await waitUntil(demo, 'the sweep to spend its budget', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'done', 240_000);
      const table = await demo.page.$$eval('#results tr[data-value]', (rows) =>
        rows.map((row) => ({
          value: Number((row as HTMLElement).dataset.value),
          returns: Array.from(row.querySelectorAll('[data-return]')).map((cell) => Number(cell.textContent)),
          mean: row.querySelector('[data-mean]')?.textContent ?? '',
        })),
      );
      expect(table.map((row) => row.value)).toEqual([0.003, 0.0001]);
      for (const row of table) {
        expect(row.returns).toHaveLength(2);
        // CartPole's return is the episode's length: at least 8 steps, at most 500.
        for (const r of row.returns) expect(r).toBeGreaterThanOrEqual(8);
        for (const r of row.returns) expect(r).toBeLessThanOrEqual(500);
        // The mean ± std of the two seeds (of the rounded returns shown: within their rounding).
        const [mean, std] = row.mean.split(' ± ').map(Number);
        expect(Math.abs(mean! - (row.returns[0]! + row.returns[1]!) / 2)).toBeLessThanOrEqual(0.1);
        expect(Math.abs(std! - Math.abs(row.returns[0]! - row.returns[1]!) / 2)).toBeLessThanOrEqual(0.1);
      }
      // Two agents of two seeds with different learning rates do not learn alike.
      expect(table[0]!.returns).not.toEqual(table[1]!.returns);
      expect(await text(demo.page, '#status')).toMatch(/^Done: 4 agents, 2048 steps each/);
      const legend = await demo.page.$$eval('#chart .u-legend .u-series', (items) => items.map((item) => item.textContent?.trim() ?? ''));
      expect(legend.filter((label) => label.startsWith('learning_rate = '))).toHaveLength(2);
      console.log(`sweep.html CartPole-v1, 2 values x 2 seeds, ${budget} steps each: ${JSON.stringify(table)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await screenshot(demo.page, 'sweep');
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('family: ?family= picks a subset (an unknown member is refused, naming the known ones); a budget below one batch is refused', async (session) => {
    const subset = ['reinforce:baseline', 'a2c', 'ppo'];
    const demo = await openDemo(session, `family.html?env=Acrobot-v1&family=${subset.join(',')}`);
    try {
      await waitUntil(demo, 'the page to be ready', async () => (await demo.page.evaluate(() => document.body.dataset.state)) === 'idle', 30_000);
      expect(await demo.page.$$eval('.member', (sections) => sections.map((section) => (section as HTMLElement).dataset.key))).toEqual(subset);
      expect(await demo.page.$eval('#env', (select) => (select as HTMLSelectElement).value)).toBe('Acrobot-v1');
      // PPO-Clip's batch on Acrobot-v1 is the largest of the three: 16 environments x 256 steps.
      await demo.page.$eval('#budget', (input) => ((input as HTMLInputElement).value = '4000'));
      await demo.page.click('#train');
      expect(await text(demo.page, '#status')).toBe('Check the budget: at least 4096 steps, one batch of PPO-Clip on Acrobot-v1 (4000 now).');
      expect(await demo.page.evaluate(() => document.body.dataset.state)).toBe('idle');
      demo.expectClean();
    } finally {
      await demo.close();
    }
    const unknown = await openDemo(session, 'family.html?family=a2c,reinforce:gae');
    try {
      await waitUntil(unknown, 'the refusal', async () => (await unknown.page.evaluate(() => document.body.dataset.state)) === 'error', 30_000);
      expect(await text(unknown.page, '#status')).toMatch(/^Reading \?family= from the URL failed — RangeError: no family member 'reinforce:gae'; known: reinforce:total_return, .*, ppo$/);
      expect(await unknown.page.$$eval('.member', (sections) => sections.length)).toBe(0);
      expect(unknown.log.errors.join('\n')).toMatch(/no family member 'reinforce:gae'/);
    } finally {
      await unknown.close();
    }
  });

  browserTest('squash: the shipped policy plays at game speed and returns the ball; the keyboard takes over', async (session) => {
    const demo = await openDemo(session, 'squash.html');
    try {
      await waitUntil(demo, 'the shipped policy', async () => /the shipped policy/.test(await text(demo.page, '#policy-source')), 60_000);
      const startFrames = await number(demo.page, '#frames');
      const startTime = Date.now();
      await waitUntil(demo, '600 court steps', async () => (await number(demo.page, '#frames')) >= startFrames + 600, 90_000);
      const rate = (((await number(demo.page, '#frames')) - startFrames) * 1000) / (Date.now() - startTime);
      const agentReturns = await number(demo.page, '#agent-returns');
      const agentRallies = await demo.page.$eval('#score-table tr[data-player="agent"] td:nth-child(2)', (cell) => Number(cell.textContent));
      console.log(`squash.html: the shipped policy returned ${agentReturns} balls in ${await number(demo.page, '#frames')} court steps (${agentRallies} misses), at ${rate.toFixed(0)} steps/s`);
      // A ball takes 45-90 steps from the paddle back to it: 600 steps hold about 7 returns. The shipped policy
      // misses none (its rallies last the full 1500 steps); a paddle that stays put misses the first one or two.
      expect(agentReturns).toBeGreaterThanOrEqual(6);
      expect(agentRallies, 'rallies the agent lost').toBe(0);
      expect(await text(demo.page, '#player')).toBe('agent');
      await screenshot(demo.page, 'squash', { readme: true });

      // A person takes over with the arrow keys; not moving at all, they miss soon.
      await demo.page.keyboard.down('ArrowLeft');
      await demo.page.keyboard.up('ArrowLeft');
      await waitUntil(demo, 'the keyboard to take over', async () => (await text(demo.page, '#player')) === 'you', 10_000);
      await waitUntil(
        demo,
        'a rally of yours in the score table',
        async () => (await demo.page.$eval('#score-table tr[data-player="you"] td:nth-child(2)', (cell) => Number(cell.textContent))) >= 1,
        60_000,
      );
      await demo.page.keyboard.press('Escape');
      await waitUntil(demo, 'the agent to take the paddle back', async () => (await text(demo.page, '#player')) === 'agent', 10_000);
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('squash: training a new agent on the GPU game raises its mean return while the court plays on', async (session) => {
    const demo = await openDemo(session, 'squash.html?policy=none&autostart=1');
    try {
      const framesBefore = await number(demo.page, '#frames');
      const { start, end, steps } = await expectLearning(demo, 0.5, 150_000);
      console.log(`squash.html training: mean return ${start} -> ${end} by ${steps} env steps`);
      expect(await number(demo.page, '#frames'), 'court steps played with the policy in training').toBeGreaterThan(framesBefore);
      await screenshot(demo.page, 'squash-training');
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('pong: the shipped policy plays both paddles and returns the ball; the keys move your paddle; a still paddle loses points to the agent', async (session) => {
    const demo = await openDemo(session, 'pong.html');
    const cell = (player: string, column: number) => demo.page.$eval(`#score-table tr[data-player="${player}"] td:nth-child(${column})`, (td) => Number(td.textContent));
    try {
      await waitUntil(demo, 'the shipped policy', async () => /the shipped policy/.test(await text(demo.page, '#policy-source')), 60_000);
      const startFrames = await number(demo.page, '#frames');
      await waitUntil(demo, '500 court steps', async () => (await number(demo.page, '#frames')) >= startFrames + 500, 90_000);
      const returns = await number(demo.page, '#agent-returns');
      const points = await cell('agent', 2);
      console.log(`pong.html: the shipped policy returned ${returns} balls against itself in ${await number(demo.page, '#frames')} court steps (${points} points ended)`);
      // A serve takes about 55 steps to cross the court, a fast ball 22: 500 steps hold at least 9 crossings, each
      // ending in a return or a point. The shipped policy returns most of them.
      expect(returns, 'balls returned by the shipped policy in 500 steps').toBeGreaterThanOrEqual(5);
      expect(await text(demo.page, '#player')).toBe('agent');
      await screenshot(demo.page, 'pong', { readme: true });

      // A key press hands the left paddle to the person; holding ↑ drives it to the top wall's end of its range
      // (0.1, its half width), ↓ to the bottom one (0.9). A new point serves the paddles from [0.3, 0.7].
      const reaches = async (key: 'ArrowUp' | 'ArrowDown', done: (position: number) => boolean) => {
        await demo.page.keyboard.down(key);
        try {
          await waitUntil(demo, `${key} to move the left paddle`, async () => done(await number(demo.page, '#left-paddle')), 20_000);
        } finally {
          await demo.page.keyboard.up(key);
        }
      };
      await reaches('ArrowUp', (position) => position <= 0.1 + 1e-3);
      expect(await text(demo.page, '#player')).toBe('you');
      await reaches('ArrowDown', (position) => position >= 0.9 - 1e-3);
      // Holding no key, the left paddle stays where it is served; the agent on the right wins points against it.
      await waitUntil(demo, 'a point won by the agent against you', async () => (await cell('you', 4)) >= 1, 60_000);
      await screenshot(demo.page, 'pong-you');
      await demo.page.keyboard.press('Escape');
      await waitUntil(demo, 'the agent to take the left paddle back', async () => (await text(demo.page, '#player')) === 'agent', 10_000);

      // Pressing on the court takes the paddle too, and it follows the pointer: pressed near the top of the court.
      const box = (await (await demo.page.$('#court'))!.boundingBox())!;
      await demo.page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.05);
      await demo.page.mouse.down();
      try {
        await waitUntil(demo, 'the pointer to take over and pull the left paddle up', async () => (await text(demo.page, '#player')) === 'you' && (await number(demo.page, '#left-paddle')) <= 0.1 + 1e-3, 20_000);
      } finally {
        await demo.page.mouse.up();
      }
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('pong: self-play trains on the page: the Elo appears and moves from 1200, the pool fills, the Elo curve is drawn; its checkpoint restores the pool', async (session) => {
    const demo = await openDemo(session, 'pong.html?policy=none&autostart=1&num_envs=8&num_steps=128&save_steps=1024&total_timesteps=200000');
    const downloads = mkdtempSync(join(tmpdir(), 'webgpu-rl-downloads-'));
    try {
      await waitUntil(demo, 'a first Elo', async () => Number.isFinite(await number(demo.page, '#elo')), 150_000);
      await waitUntil(demo, 'the pool to hold two snapshots', async () => (await number(demo.page, '#snapshots')) >= 2, 150_000);
      const elo = await number(demo.page, '#elo');
      const steps = await number(demo.page, '#env-steps');
      const pool = await demo.page.$$eval('#pool tr', (rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => td.textContent ?? '')));
      console.log(`pong.html self-play: Elo ${elo} after ${steps} steps; pool ${JSON.stringify(pool)}`);
      // Every point won or lost moves the rating; 8 courts x 128 steps finish about 16 points an iteration.
      expect(elo, 'the learner Elo after a few iterations').not.toBe(1200);
      expect(pool[0]![0]).toBe('snapshot 0 (the initial policy)');
      expect(pool.length, 'filled slots and the latest self').toBeGreaterThanOrEqual(3);
      expect(pool.at(-1)![0]).toBe('the latest self (the learner)');
      for (const row of pool) expect(Number(row[2]), `Elo of ${row[0]}`).toBeGreaterThan(0);
      const charts = await curves(demo.page);
      expect(charts[0]!.caption).toMatch(/^Learner Elo — \d/);
      expect(charts[0]!.colouredPixels, 'the Elo curve').toBeGreaterThan(20);
      await screenshot(demo.page, 'pong-training');

      // The checkpoint (it stops the run) holds the pool: restored after a reset, the page shows its Elo and
      // snapshots, and Start trains on from there.
      const state = () => demo.page.evaluate(() => document.body.dataset.state);
      const cdp = await demo.page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
      const downloaded = () => readdirSync(downloads).find((f) => /^Pong-v0-checkpoint-\d+-steps\.safetensors$/.test(f));
      await demo.page.click('#download-checkpoint');
      await waitUntil(demo, 'the checkpoint download', async () => downloaded() !== undefined, 60_000);
      await demo.page.click('#reset');
      await waitUntil(demo, 'the reset', async () => (await state()) === 'idle' && (await text(demo.page, '#elo')) === '', 60_000);
      const file = decodeSafetensors(new Uint8Array(readFileSync(join(downloads, downloaded()!))));
      const book = JSON.parse(file.metadata.self_play!) as { elo: number; snapshots: number };
      const input = await demo.page.$('#load-file');
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(join(downloads, downloaded()!));
      await waitUntil(demo, 'the restored checkpoint', async () => /^Restored Pong-v0-checkpoint/.test(await text(demo.page, '#status')), 90_000);
      expect(await text(demo.page, '#elo'), "the restored learner's Elo").toBe(book.elo.toFixed(1));
      expect(await number(demo.page, '#snapshots')).toBe(book.snapshots);
      const restoredAt = await number(demo.page, '#env-steps');
      expect(restoredAt).toBe(Number(file.metadata.global_step));
      await demo.page.click('#start');
      await waitUntil(demo, 'the restored run to continue', async () => (await number(demo.page, '#env-steps')) > restoredAt && (await text(demo.page, '#games')) !== '', 90_000);
      demo.expectClean();
    } finally {
      rmSync(downloads, { recursive: true, force: true });
      await demo.close();
    }
  });

  browserTest('snake: the shipped policy eats at game speed under the board\'s action mask; the keyboard takes over', async (session) => {
    const demo = await openDemo(session, 'snake.html');
    try {
      await waitUntil(demo, 'the shipped policy', async () => /the shipped policy/.test(await text(demo.page, '#policy-source')), 60_000);
      await waitUntil(demo, '150 snake steps', async () => (await number(demo.page, '#frames')) >= 150, 90_000);
      const eaten = await number(demo.page, '#agent-eaten');
      const masked = await number(demo.page, '#masked');
      const games = await demo.page.$eval('#score-table tr[data-player="agent"] td:nth-child(2)', (cell) => Number(cell.textContent));
      console.log(`snake.html: the shipped policy ate ${eaten} food in ${await number(demo.page, '#frames')} steps, ${games} games lost (${masked} steps had a masked move)`);
      // A random snake (masked moves) eats 0.13 food per game and crashes after 13 steps: about 1.5 food and 11 lost
      // games in 150 steps. The shipped policy eats about 20 per game of about 280 steps (train-shipped.ts).
      expect(eaten, 'food eaten by the shipped policy in 150 steps').toBeGreaterThanOrEqual(5);
      expect(games, 'games the shipped policy lost in 150 steps').toBeLessThanOrEqual(3);
      expect(masked, 'steps where the mask ruled a move out (the snake was longer than one cell)').toBeGreaterThan(0);
      expect(await text(demo.page, '#player')).toBe('agent');
      await screenshot(demo.page, 'snake', { readme: true });

      // A person takes over; holding no key the snake runs straight into a wall, and a game of theirs is counted.
      await demo.page.keyboard.press('ArrowUp');
      await waitUntil(demo, 'the keyboard to take over', async () => (await text(demo.page, '#player')) === 'you', 10_000);
      await waitUntil(
        demo,
        'a game of yours in the score table',
        async () => (await demo.page.$eval('#score-table tr[data-player="you"] td:nth-child(2)', (cell) => Number(cell.textContent))) >= 1,
        60_000,
      );
      await demo.page.keyboard.press('Escape');
      await waitUntil(demo, 'the agent to take the snake back', async () => (await text(demo.page, '#player')) === 'agent', 10_000);
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('snake: training a new agent on the masked grid game raises its mean return', async (session) => {
    const demo = await openDemo(session, 'snake.html?policy=none&autostart=1&num_envs=32&num_steps=32');
    try {
      const { start, end, steps } = await expectLearning(demo, 0.3, 200_000);
      console.log(`snake.html training: mean return ${start} -> ${end} by ${steps} env steps`);
      await screenshot(demo.page, 'snake-training');
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('catch: training on a JavaScript game raises its mean return', async (session) => {
    const demo = await openDemo(session, 'catch.html?autostart=1');
    try {
      const { start, end, steps } = await expectLearning(demo, 1, 150_000);
      console.log(`catch.html: mean return ${start} -> ${end} by ${steps} env steps`);
      await screenshot(demo.page, 'catch', { readme: true });
      demo.expectClean();
    } finally {
      await demo.close();
    }
  });

  browserTest('the production build (npm run build:demos) works from a static host: Squash plays its shipped policy', async (session) => {
    const outDir = mkdtempSync(join(tmpdir(), 'webgpu-rl-demos-build-'));
    let server: Server | undefined;
    try {
      await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
      expect(readdirSync(outDir).sort()).toEqual(['assets', 'catch.html', 'family.html', 'index.html', 'pong.html', 'snake.html', 'squash.html', 'sweep.html', 'train.html']);
      const served = await serveStatic(outDir);
      server = served.server;
      const demo = await openDemo(session, 'squash.html', { baseUrl: served.baseUrl });
      try {
        await waitUntil(demo, 'the shipped policy', async () => /the shipped policy/.test(await text(demo.page, '#policy-source')), 60_000);
        await waitUntil(demo, '200 court steps with a return', async () => (await number(demo.page, '#frames')) >= 200 && (await number(demo.page, '#agent-returns')) >= 1, 60_000);
        demo.expectClean();
      } finally {
        await demo.close();
      }
    } finally {
      server?.close();
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
