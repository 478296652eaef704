/**
 * The set-up step's decisions (scripts/prepare.mjs), checked without installing anything: which apt source
 * bookworm-backports is added from, when node_modules counts as stale, which browser is chosen.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  backportsSource,
  debianMajor,
  debianMirror,
  findBrowser,
  hasBackports,
  parseOsRelease,
  staleDependencies,
} from '../scripts/prepare.mjs';

const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`;

describe('apt sources', () => {
  test('bookworm-backports comes from the mirror and key of the deb822 Debian source', () => {
    const mirror = debianMirror([{ text: deb822, deb822: true }]);
    expect(mirror).toEqual({ uri: 'http://mirror.example/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' });
    const file = backportsSource(mirror);
    expect(file).toContain('Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm-backports\nComponents: main\n');
    expect(file).toContain('Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg');
  });

  test('one-line sources.list entries, with or without options, and the default', () => {
    expect(debianMirror([{ text: '# deb http://old/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main contrib\n', deb822: false }]))
      .toEqual({ uri: 'http://m/debian', signedBy: '/k.gpg' });
    expect(debianMirror([{ text: 'deb http://m2/debian bookworm main\n', deb822: false }])).toEqual({ uri: 'http://m2/debian', signedBy: undefined });
    expect(debianMirror([{ text: 'deb http://other/ubuntu jammy main\n', deb822: false }]).uri).toBe('http://deb.debian.org/debian');
    // A source without Signed-By gets Debian's keyring where it exists, and no line where it does not.
    expect(backportsSource({ uri: 'http://m/debian', signedBy: undefined }, true)).toContain('Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg');
    expect(backportsSource({ uri: 'http://m/debian', signedBy: undefined }, false)).not.toContain('Signed-By');
  });

  test('an existing bookworm-backports suite is recognised, a commented or different one is not', () => {
    expect(hasBackports([{ text: 'Types: deb\nSuites: bookworm-backports\n', deb822: true }])).toBe(true);
    expect(hasBackports([{ text: 'deb http://m/debian bookworm-backports main\n', deb822: false }])).toBe(true);
    expect(hasBackports([{ text: '# deb http://m/debian bookworm-backports main\n', deb822: false }])).toBe(false);
    expect(hasBackports([{ text: deb822, deb822: true }])).toBe(false);
    expect(hasBackports([{ text: 'Suites: bookworm-backports-sloppy\n', deb822: true }])).toBe(false);
  });

  test('versions and os-release', () => {
    expect(debianMajor('25.0.7-2~bpo12+1')).toBe(25);
    expect(debianMajor('1:24.2.8-1ubuntu1~24.04.1')).toBe(24);
    expect(debianMajor(undefined)).toBeUndefined();
    expect(parseOsRelease('ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toEqual({
      ID: 'debian',
      VERSION_CODENAME: 'bookworm',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    });
  });
});

describe('npm dependencies', () => {
  const root = mkdtempSync(join(tmpdir(), 'webgpu-rl-setup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'node_modules', 'a'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'a', 'package.json'), JSON.stringify({ name: 'a', version: '1.0.0' }));

  test('node_modules matching the lockfile is up to date; absent optional (other-platform) packages are fine', () => {
    const lock = { packages: { '': {}, 'node_modules/a': { version: '1.0.0' }, 'node_modules/@x/win32': { version: '1.0.0', optional: true } } };
    expect(staleDependencies(lock, root)).toEqual([]);
  });

  test('a different version or a missing package makes it stale', () => {
    expect(staleDependencies({ packages: { 'node_modules/a': { version: '2.0.0' } } }, root)).toEqual([
      'node_modules/a is 1.0.0, the lockfile says 2.0.0',
    ]);
    expect(staleDependencies({ packages: { 'node_modules/b': { version: '1.0.0' } } }, root)).toEqual(['node_modules/b is missing']);
  });
});

describe('browser', () => {
  test('PUPPETEER_EXECUTABLE_PATH wins when it is executable, and is reported when it is not', () => {
    expect(findBrowser({ PUPPETEER_EXECUTABLE_PATH: '/bin/sh' })).toEqual({ path: '/bin/sh', source: 'PUPPETEER_EXECUTABLE_PATH' });
    const missing = findBrowser({ PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' });
    expect(missing.path).toBeUndefined();
    expect(missing.problem).toMatch(/PUPPETEER_EXECUTABLE_PATH is '\/nonexistent\/chrome'/);
  });
});
