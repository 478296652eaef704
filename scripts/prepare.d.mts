/** Types of the set-up step's helpers (scripts/prepare.mjs is plain JavaScript: it runs before npm install). */

export const ROOT: string;
export const CACHE_DIR: string;
/** node_modules/.cache/webgpu-rl/setup.json: what the set-up found. */
export const SETUP_FILE: string;
export const BROWSER_NAMES: readonly string[];
export const SWIFTSHADER_ICD: string;

/** The contents of SETUP_FILE. */
export interface SetupResult {
  checkedAt: string;
  browser: { path: string; source: string } | null;
  browserProblem: string | null;
  nodeAdapter: { vendor: string; architecture: string; device: string; description: string; icd?: string } | null;
  nodeAdapterProblem: string | null;
}

export interface AptSource {
  path?: string;
  text: string;
  /** True for deb822 `.sources` files, false for one-line `.list` files. */
  deb822: boolean;
}

export function sha256(text: string): string;
export function staleDependencies(lock: { packages?: Record<string, { version?: string; optional?: boolean; link?: boolean }> }, root?: string): string[];
export function parseOsRelease(text: string): Record<string, string>;
export function debianMajor(version: string | undefined): number | undefined;
export function findBrowser(env?: Record<string, string | undefined>):
  | { path: string; source: string; problem?: undefined }
  | { path?: undefined; problem: string; explicit?: boolean };
export function probeAdapter(extraEnv?: Record<string, string>): { adapter?: SetupResult['nodeAdapter']; problem?: string };
export function debianMirror(sources: readonly AptSource[]): { uri: string; signedBy: string | undefined };
export function hasBackports(sources: readonly AptSource[]): boolean;
export function backportsSource(mirror: { uri: string; signedBy: string | undefined }, keyringExists?: boolean): string;
export function main(argv?: string[]): number;
export class SetupError extends Error {}
