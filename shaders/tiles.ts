/**
 * What the generated network code (shaders/mlp.ts, shaders/conv.ts) shares: the register-tile width, how it reads
 * a parameter, and the loop that walks a width a tile at a time.
 */

/** Outputs per register tile in the generated forward code. */
export const OUTPUT_TILE = 4;

/** How generated code reads parameter `index` (a WGSL u32 expression): by default `params[index]`. */
export type ParamReader = (index: string) => string;
export const storageParams: ParamReader = (index) => `params[${index}]`;

/**
 * A loop over `width` outputs `tile` at a time (start index a loop variable t0), then the remainder: the body gets
 * the tile's first index (a WGSL expression) and its width (a constant).
 */
export function registerTiles(tile: number): (width: number, body: (start: string, count: number) => string) => string {
  return (width, body) => {
    const T = Math.min(tile, width);
    const full = Math.floor(width / T) * T;
    const parts = [`  for (var t0 = 0u; t0 < ${full}u; t0 += ${T}u) {\n${body('t0', T)}\n  }`];
    if (full < width) parts.push(`  {\n${body(`${full}u`, width - full)}\n  }`);
    return parts.join('\n');
  };
}

