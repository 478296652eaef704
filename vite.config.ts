/**
 * Vite for the demos: `npm run demo` serves demos/, `npm run build:demos` builds every demos/*.html page (and
 * demos/<name>/index.html) into dist-demos/. Pages import the engine straight from ../src and ../shaders, as a
 * user's app would import the package. The tests have their own config (vitest.config.ts): with the root here set
 * to demos/, vitest would find no tests.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repo = dirname(fileURLToPath(import.meta.url));
const demos = join(repo, 'demos');

/** The demo pages that exist now, keyed by their path without `.html` (the build's entry names). */
function demoPages(): Record<string, string> {
  const pages: Record<string, string> = {};
  if (!existsSync(demos)) return pages;
  for (const entry of readdirSync(demos, { withFileTypes: true })) {
    const path = join(demos, entry.name);
    if (entry.isFile() && entry.name.endsWith('.html')) pages[entry.name.slice(0, -'.html'.length)] = path;
    if (entry.isDirectory() && existsSync(join(path, 'index.html'))) pages[entry.name] = join(path, 'index.html');
  }
  return pages;
}

export default defineConfig(({ command }) => {
  const pages = demoPages();
  if (command === 'build' && Object.keys(pages).length === 0) {
    throw new Error(`no demo pages to build: add demos/<name>.html or demos/<name>/index.html (looked in ${relative(process.cwd(), demos) || '.'})`);
  }
  return {
    root: demos,
    // Relative URLs, so the built demos work from any folder (e.g. a project page on a static host).
    base: './',
    // Without a public/ folder of its own, the demos' static files sit beside them.
    publicDir: false,
    server: {
      // Demos import ../src and ../shaders: allow the whole repository, not just demos/.
      fs: { allow: [repo] },
    },
    preview: { port: 4173 },
    build: {
      outDir: join(repo, 'dist-demos'),
      emptyOutDir: true,
      // WGSL is plain strings, top-level await is used by pages: build for browsers with WebGPU (Chrome 113+).
      target: 'es2022',
      rolldownOptions: { input: pages },
    },
  };
});
