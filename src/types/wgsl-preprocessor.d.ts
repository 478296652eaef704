/** wgsl-preprocessor ships plain JS with no types: its one export is the `wgsl` template tag (#if/#elif/#else/#endif). */
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
