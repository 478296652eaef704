#!/usr/bin/env node
/**
 * The set-up step. `npm start` and `npm test` run it first (prestart / pretest), and .ci/run runs it with
 * --strict, so that a fresh clone needs nothing typed but those two commands. It makes sure of three things:
 *
 *   1. npm dependencies: `npm ci` when node_modules is missing or does not match package-lock.json
 *      (PUPPETEER_SKIP_DOWNLOAD=1: puppeteer never downloads a browser). A stamp keeps the check quick.
 *   2. A browser for the puppeteer tests and benchmarks: PUPPETEER_EXECUTABLE_PATH, else a system Chromium or
 *      Chrome; as root with apt-get, Debian's `chromium` is installed when there is none.
 *   3. A WebGPU adapter for Node (the `webgpu` package, Dawn), probed in a child process. Without a GPU, as
 *      root on Debian bookworm, Mesa 25's lavapipe is installed from bookworm-backports (bookworm's Mesa 22 is too old for Dawn);
 *      failing that the engine falls back to Chromium's SwiftShader by itself.
 *
 * What it found goes to node_modules/.cache/webgpu-rl/setup.json (read by test/helpers/browser.ts), and it
 * prints one summary line. It never prompts (CI=true, no stdin). A missing browser or adapter is reported with
 * the command that fixes it, but only fails the step with --strict: the tests that need them skip, saying why.
 *
 * Plain JavaScript with Node built-ins only: it runs before any npm install.
 *
 * Flags:   --strict   exit 1 when no browser or no Node WebGPU adapter is available after trying.
 * Environment (for users and for testing the install branches without uninstalling anything):
 *   WEBGPU_RL_NO_INSTALL=1                 never install system packages; print the commands instead.
 *   WEBGPU_RL_PRETEND_MISSING=browser,adapter,deps
 *                                          treat these as missing on the first look, so that the install branch
 *                                          runs (on a machine that has them, apt-get finds nothing to do); the
 *                                          look after the install is real.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is scripts/prepare.mjs). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the results of the set-up are kept; inside node_modules so that `npm ci` or a clean clone resets it. */
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'webgpu-rl');
export const SETUP_FILE = join(CACHE_DIR, 'setup.json');
const DEPS_STAMP = join(CACHE_DIR, 'deps-stamp.json');

/** Executable names of Chromium and Chrome, in order of preference. */
export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
/** Chromium's SwiftShader Vulkan driver: the Node fallback when Dawn finds no other adapter. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Oldest Mesa whose lavapipe we expect Dawn to accept: bookworm's 22.3 is too old, 25.0 works. */
const MIN_MESA_MAJOR = 24;
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const BACKPORTS_FILE = '/etc/apt/sources.list.d/bookworm-backports.sources';

const log = (line) => console.log(`webgpu-rl setup: ${line}`);
const warn = (line) => console.error(`webgpu-rl setup: ${line}`);

// ---------------------------------------------------------------------------------------------------------------
// 1. npm dependencies
// ---------------------------------------------------------------------------------------------------------------

export function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Lists what in node_modules disagrees with the lockfile (empty: up to date). Optional packages that are absent
 * are fine: they are the native builds for other platforms.
 */
export function staleDependencies(lock, root = ROOT) {
  const problems = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const manifest = join(root, path, 'package.json');
    if (!existsSync(manifest)) {
      if (!entry.optional) problems.push(`${path} is missing`);
      continue;
    }
    let version;
    try {
      version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    } catch {
      problems.push(`${path}/package.json is unreadable`);
      continue;
    }
    if (entry.version && version !== entry.version) problems.push(`${path} is ${version}, the lockfile says ${entry.version}`);
  }
  return problems;
}

/** The npm that runs us (npm_execpath under `npm test`), else the one on PATH. */
function npmCommand(args) {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.c?js$/.test(execPath)) return { command: process.execPath, args: [execPath, ...args] };
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args };
}

export function ensureDependencies(pretend) {
  const lockPath = join(ROOT, 'package-lock.json');
  const lockText = existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : undefined;
  const hash = lockText ? sha256(lockText) : undefined;
  const haveModules = existsSync(join(ROOT, 'node_modules'));

  if (haveModules && hash && !pretend) {
    try {
      if (JSON.parse(readFileSync(DEPS_STAMP, 'utf8')).lockHash === hash) return { status: 'ok' };
    } catch {
      // No stamp yet (installed by hand, or an older set-up): check the installed versions instead.
    }
    if (staleDependencies(JSON.parse(lockText)).length === 0) {
      writeStamp(hash);
      return { status: 'ok' };
    }
  }

  const args = lockText ? ['ci', '--include=dev'] : ['install', '--include=dev'];
  const why = !haveModules ? 'node_modules is missing' : pretend ? 'asked to (WEBGPU_RL_PRETEND_MISSING)' : 'node_modules differs from package-lock.json';
  log(`${why}: running npm ${args.join(' ')} (puppeteer downloads no browser) ...`);
  const started = Date.now();
  const npm = npmCommand(args);
  const result = spawnSync(npm.command, npm.args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    throw new SetupError(`npm ${args.join(' ')} failed (${reason}). Run it yourself in ${ROOT} to see why.`);
  }
  const after = lockText ?? readFileSync(lockPath, 'utf8');
  writeStamp(sha256(after));
  return { status: 'installed', seconds: (Date.now() - started) / 1000 };
}

function writeStamp(lockHash) {
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(DEPS_STAMP, JSON.stringify({ lockHash }) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------
// System packages (apt-get, as root, never interactive)
// ---------------------------------------------------------------------------------------------------------------

export function parseOsRelease(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]] = match[2].replace(/^["']|["']$/g, '');
  }
  return fields;
}

function osRelease() {
  try {
    return parseOsRelease(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return {};
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = process.platform === 'linux' && !!onPath('apt-get');
/** True when this step may install system packages itself. */
const mayInstall = isRoot && hasApt && process.env.WEBGPU_RL_NO_INSTALL !== '1';
/** How a user should run a root command that we could not run. */
const asRoot = (command) => (isRoot ? command : `sudo ${command}`);

let aptUpdated = false;

/** Runs apt-get with the given arguments; output is shown only when it fails. Returns true on success. */
function aptGet(args) {
  const started = Date.now();
  const result = spawnSync('apt-get', ['-q', '-o', 'DPkg::Lock::Timeout=300', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60 * 1000,
  });
  if (result.status === 0) {
    log(`  apt-get ${args.join(' ')}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return true;
  }
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  warn(`  apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`}):\n${output}`);
  return false;
}

function aptUpdate() {
  if (aptUpdated) return true;
  aptUpdated = aptGet(['update']);
  return aptUpdated;
}

function aptInstall(packages, release) {
  if (!aptUpdate()) return false;
  return aptGet(['install', '-y', ...(release ? ['-t', release] : []), ...packages]);
}

/** Installed and candidate versions of a package, from `apt-cache policy` (undefined when unknown). */
function aptPolicy(name) {
  const result = spawnSync('apt-cache', ['policy', name], { encoding: 'utf8' });
  const field = (label) => {
    const value = new RegExp(`^\\s*${label}:\\s*(\\S+)`, 'm').exec(result.stdout ?? '')?.[1];
    return value && value !== '(none)' ? value : undefined;
  };
  return { installed: field('Installed'), candidate: field('Candidate') };
}

/** Major version of a Debian version string such as `25.0.7-2~bpo12+1` or `1:24.2.8-1ubuntu1`. */
export function debianMajor(version) {
  const match = /^(?:\d+:)?(\d+)/.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Browser
// ---------------------------------------------------------------------------------------------------------------

/** puppeteer's own Chrome, where a user's machine has one (we never download it). */
function puppeteerCacheBrowsers() {
  const cache = process.env.PUPPETEER_CACHE_DIR ?? join(homedir(), '.cache', 'puppeteer');
  const found = [];
  for (const kind of ['chrome', 'chromium']) {
    let versions = [];
    try {
      versions = readdirSync(join(cache, kind)).sort().reverse();
    } catch {
      continue;
    }
    for (const version of versions) {
      for (const sub of ['chrome-linux64/chrome', 'chrome-linux/chrome']) found.push(join(cache, kind, version, sub));
    }
  }
  return found;
}

/** The browser to drive, or the reason there is none. */
export function findBrowser(env = process.env) {
  const chosen = env.PUPPETEER_EXECUTABLE_PATH;
  if (chosen) {
    if (isExecutable(chosen)) return { path: chosen, source: 'PUPPETEER_EXECUTABLE_PATH' };
    return { problem: `PUPPETEER_EXECUTABLE_PATH is '${chosen}', which is not an executable file: fix or unset it`, explicit: true };
  }
  for (const name of BROWSER_NAMES) {
    const path = isExecutable(`/usr/bin/${name}`) ? `/usr/bin/${name}` : onPath(name);
    if (path) return { path, source: 'system' };
  }
  const own = puppeteerCacheBrowsers().find(isExecutable);
  if (own) return { path: own, source: 'puppeteer cache' };
  return { problem: 'no Chromium or Chrome found (looked for PUPPETEER_EXECUTABLE_PATH, ' + BROWSER_NAMES.join(', ') + ')' };
}

function ensureBrowser(pretend) {
  const found = pretend ? { problem: 'pretending there is no browser (WEBGPU_RL_PRETEND_MISSING)' } : findBrowser();
  if (found.path || found.explicit) return found;

  const fix = hasApt ? asRoot('apt-get install -y chromium') : 'install Chromium or Google Chrome, or set PUPPETEER_EXECUTABLE_PATH to one';
  if (!mayInstall) return { problem: `${found.problem}. Fix: ${fix}` };
  log(`${found.problem}: installing Debian's chromium with apt-get (once) ...`);
  if (!aptUpdate()) return { problem: `${found.problem}, and apt-get update failed. Fix: ${fix}` };
  if (!aptPolicy('chromium').candidate) {
    return { problem: `${found.problem}, and apt has no 'chromium' package here. Install Google Chrome or set PUPPETEER_EXECUTABLE_PATH` };
  }
  aptInstall(['chromium']);
  const after = findBrowser();
  return after.path ? { ...after, installed: true } : { problem: `${after.problem}, even after apt-get install chromium` };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. WebGPU adapter for Node
// ---------------------------------------------------------------------------------------------------------------

/**
 * Asks Dawn for an adapter in a child process (a broken driver can crash the process that loads it). The object
 * create() returns stays referenced until exit: when it is collected, Dawn takes the process down.
 */
const PROBE = `
import { create } from 'webgpu';
const gpu = create([]);
globalThis.keepDawnAlive = gpu;
const adapter = await gpu.requestAdapter();
const info = adapter?.info;
console.log('WEBGPU_RL_ADAPTER ' + JSON.stringify(adapter ? {
  vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
} : null));
`;

export function probeAdapter(extraEnv = {}) {
  if (!existsSync(join(ROOT, 'node_modules', 'webgpu', 'package.json'))) {
    return { problem: "the npm package 'webgpu' is not installed (npm ci did not run or failed)" };
  }
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  // The line counts even if the process then died on exit: the adapter was there.
  const line = /^WEBGPU_RL_ADAPTER (.*)$/m.exec(result.stdout ?? '')?.[1];
  if (line && line !== 'null') return { adapter: JSON.parse(line) };
  if (line === 'null') return { problem: 'Dawn (the webgpu package) found no WebGPU adapter' };
  const detail = (result.error?.message ?? (result.stderr || `exit code ${result.status}, signal ${result.signal}`)).trim().split('\n').slice(-3).join(' | ');
  return { problem: `probing Dawn for an adapter failed: ${detail}` };
}

/**
 * Finds the machine's Debian mirror and key in its apt sources (deb822 .sources files or one-line .list files),
 * so that bookworm-backports comes from the same place as the rest.
 */
export function debianMirror(sources) {
  for (const { text, deb822 } of sources) {
    if (deb822) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) => new RegExp(`^${name}:[ \\t]*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        const suites = (field('Suites') ?? '').split(/\s+/);
        if (!suites.includes('bookworm') || !/\bdeb\b/.test(field('Types') ?? '') || /^no$/i.test(field('Enabled') ?? '')) continue;
        const uri = (field('URIs') ?? '').split(/\s+/)[0];
        if (uri) return { uri, signedBy: field('Signed-By') };
      }
    } else {
      for (const line of text.split('\n')) {
        const match = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+bookworm\s/.exec(line);
        if (match) return { uri: match[2], signedBy: /signed-by=(\S+)/.exec(match[1] ?? '')?.[1] };
      }
    }
  }
  return { uri: DEFAULT_MIRROR, signedBy: undefined };
}

/** True when some enabled apt source already has the bookworm-backports suite. */
export function hasBackports(sources) {
  return sources.some(({ text }) =>
    text
      .split('\n')
      .some((line) => !line.trim().startsWith('#') && /(^|\s)bookworm-backports(\s|$)/.test(line)),
  );
}

/** The deb822 file that adds bookworm-backports, mirror and key as the machine's other Debian sources. */
export function backportsSource({ uri, signedBy }, keyringExists = existsSync(DEBIAN_KEYRING)) {
  const key = signedBy ?? (keyringExists ? DEBIAN_KEYRING : undefined);
  return [
    "# Added by webgpu-rl's set-up (scripts/prepare.mjs): Mesa 25's lavapipe, a software Vulkan driver that",
    '# WebGPU in Node (Dawn) accepts. Packages come from here only when asked for with -t bookworm-backports.',
    'Types: deb',
    `URIs: ${uri}`,
    'Suites: bookworm-backports',
    'Components: main',
    ...(key ? [`Signed-By: ${key}`] : []),
    '',
  ].join('\n');
}

function aptSources() {
  const files = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  try {
    for (const name of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join('/etc/apt/sources.list.d', name));
    }
  } catch {
    // No sources.list.d: only sources.list.
  }
  return files.map((path) => ({ path, text: readFileSync(path, 'utf8'), deb822: path.endsWith('.sources') }));
}

/** Installs a software Vulkan driver that Dawn accepts; returns a note on what was done. */
function installVulkanDriver(os) {
  if (os.ID === 'debian' && os.VERSION_CODENAME === 'bookworm') {
    const sources = aptSources();
    if (!hasBackports(sources)) {
      const mirror = debianMirror(sources);
      log(`adding the bookworm-backports suite (${mirror.uri}) as ${BACKPORTS_FILE}`);
      writeFileSync(BACKPORTS_FILE, backportsSource(mirror));
      aptUpdated = false;
    }
    log('installing Mesa 25 lavapipe: apt-get install -y -t bookworm-backports mesa-vulkan-drivers ...');
    return aptInstall(['mesa-vulkan-drivers'], 'bookworm-backports');
  }
  if (!aptUpdate()) return false;
  const { installed, candidate } = aptPolicy('mesa-vulkan-drivers');
  if (!candidate || (debianMajor(candidate) ?? 0) < MIN_MESA_MAJOR || installed === candidate) {
    warn(`apt's mesa-vulkan-drivers (${candidate ?? 'none'}${installed ? `, installed ${installed}` : ''}) is not one Dawn is known to accept (Mesa ${MIN_MESA_MAJOR}+).`);
    return false;
  }
  log(`installing lavapipe: apt-get install -y mesa-vulkan-drivers (${candidate}) ...`);
  return aptInstall(['mesa-vulkan-drivers']);
}

/** The command a user would run to get lavapipe on this system. */
function vulkanFix(os) {
  if (!hasApt) return 'install a Vulkan driver (Mesa 25 lavapipe on a machine without a GPU)';
  if (os.ID === 'debian' && os.VERSION_CODENAME === 'bookworm') {
    const install = asRoot('apt-get install -y -t bookworm-backports mesa-vulkan-drivers');
    return hasBackports(aptSources()) ? install : `add the bookworm-backports suite to apt's sources, then ${install}`;
  }
  const lavapipe = `${asRoot('apt-get install -y mesa-vulkan-drivers')} (Mesa ${MIN_MESA_MAJOR}+)`;
  return existsSync(SWIFTSHADER_ICD) ? lavapipe : `${lavapipe}, or ${asRoot('apt-get install -y chromium')} for its SwiftShader`;
}

function ensureAdapter(pretend) {
  const os = osRelease();
  const first = pretend ? { problem: 'pretending Dawn found no adapter (WEBGPU_RL_PRETEND_MISSING)' } : probeAdapter();
  if (first.adapter || /not installed/.test(first.problem)) return first;

  let problem = first.problem;
  if (process.env.VK_ICD_FILENAMES) {
    problem += ` (VK_ICD_FILENAMES is set to '${process.env.VK_ICD_FILENAMES}': unset it to let Vulkan find its drivers)`;
  }
  if (mayInstall) {
    log(`${problem}: installing a software Vulkan driver ...`);
    if (installVulkanDriver(os)) {
      const second = probeAdapter();
      if (second.adapter) return { ...second, installed: true };
      problem = `${second.problem}, even after installing mesa-vulkan-drivers`;
    }
  }
  // What the engine does next by itself (src/gpu/device.ts): Chromium's SwiftShader.
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    const fallback = probeAdapter({ VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    if (fallback.adapter) {
      return {
        adapter: { ...fallback.adapter, icd: SWIFTSHADER_ICD },
        note: `${problem}; the engine falls back to Chromium's SwiftShader by itself. Lavapipe runs 3-4x faster: ${vulkanFix(os)}`,
      };
    }
  }
  return { problem: `${problem}. Fix: ${vulkanFix(os)}` };
}

// ---------------------------------------------------------------------------------------------------------------

export class SetupError extends Error {
  name = 'SetupError';
}

function describeAdapter(adapter) {
  const words = [adapter.description || adapter.device, adapter.vendor && `vendor ${adapter.vendor}`, adapter.architecture];
  return words.filter(Boolean).join(', ') + (adapter.icd ? ' (SwiftShader fallback)' : '');
}

export function main(argv = process.argv.slice(2)) {
  const started = Date.now();
  const strict = argv.includes('--strict');
  const pretend = new Set((process.env.WEBGPU_RL_PRETEND_MISSING ?? '').split(',').map((s) => s.trim()));

  const deps = ensureDependencies(pretend.has('deps'));
  const browser = ensureBrowser(pretend.has('browser'));
  const node = ensureAdapter(pretend.has('adapter'));

  const result = {
    checkedAt: new Date().toISOString(),
    browser: browser.path ? { path: browser.path, source: browser.source } : null,
    browserProblem: browser.problem ?? null,
    nodeAdapter: node.adapter ?? null,
    nodeAdapterProblem: node.problem ?? null,
  };
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(SETUP_FILE, JSON.stringify(result, null, 2) + '\n');

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const parts = [
    deps.status === 'installed' ? `npm deps installed (${deps.seconds.toFixed(0)} s)` : 'npm deps ok',
    browser.path ? `browser ${browser.path}${browser.installed ? ' (installed)' : ''}` : 'NO browser',
    node.adapter ? `Node WebGPU: ${describeAdapter(node.adapter)}${node.installed ? ' (installed)' : ''}` : 'NO Node WebGPU adapter',
  ];
  log(`${parts.join(' · ')} [${seconds} s]`);
  if (browser.problem) warn(`browser: ${browser.problem}. Browser tests will skip.`);
  if (node.note) warn(`Node WebGPU: ${node.note}`);
  if (node.problem) warn(`Node WebGPU: ${node.problem}. GPU tests will skip.`);
  if (strict && (browser.problem || node.problem)) {
    warn('--strict: a browser and a Node WebGPU adapter are required here.');
    return 1;
  }
  return 0;
}

/** True when run as a script (`node scripts/prepare.mjs`), false when a test imports the functions above. */
function isMainScript() {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMainScript()) {
  try {
    process.exitCode = main();
  } catch (error) {
    warn(error instanceof SetupError ? error.message : error?.stack ?? String(error));
    process.exitCode = 1;
  }
}
