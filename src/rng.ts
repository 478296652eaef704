/**
 * The counter-based generator of shaders/rng.ts on the CPU, bit for bit: the pcg4d hash (Jarzynski and Olano, "Hash
 * Functions for GPU Rendering", JCGT 2020) over (seed, stream, index, counter), then over the key plus the draw
 * number. Used by the CPU inference path, the JavaScript environments, parameter initialisation and the tests'
 * references; the stream numbers (RngStream) stay beside the WGSL that uses them.
 */
/** The same generator on the CPU, bit for bit (floats derived as in WGSL, then widened to f64). */
export const rngHost = {
  pcg4d(input: readonly [number, number, number, number]): [number, number, number, number] {
    let [x, y, z, w] = input.map((value) => (Math.imul(value >>> 0, 1664525) + 1013904223) >>> 0) as [number, number, number, number];
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    y = (y ^ (y >>> 16)) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    w = (w ^ (w >>> 16)) >>> 0;
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
    return [x, y, z, w];
  },

  create(seed: number, stream: number, index: number, counter: number): HostRng {
    return new HostRng(rngHost.pcg4d([seed, stream, index, counter]));
  },

  unit(word: number): number {
    return (word >>> 8) * (1 / 16777216);
  },
};

export class HostRng {
  draws = 0;
  constructor(readonly key: [number, number, number, number]) {}

  next4(): [number, number, number, number] {
    const [x, y, z, w] = this.key;
    const words = rngHost.pcg4d([x, y, z, (w + this.draws) >>> 0]);
    this.draws += 1;
    return words;
  }

  uniform(low: number, high: number): number {
    const low32 = Math.fround(low);
    return Math.fround(low32 + Math.fround(Math.fround(Math.fround(high) - low32) * rngHost.unit(this.next4()[0])));
  }

  normal(): number {
    const words = this.next4();
    const u1 = 1 - rngHost.unit(words[0]);
    const u2 = rngHost.unit(words[1]);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
