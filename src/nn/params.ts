/**
 * The parameter table: every parameter of a model lives in ONE flat f32 buffer, and this table names its views
 * (offset and shape, in floats). Gradients and Adam's moments use the same layout, so that gradient clipping and
 * the optimizer step are one dispatch each over the whole model, and a checkpoint is the buffer plus this table.
 */

export interface ParamView {
  /** Dotted name, e.g. `actor.0.weight`. */
  name: string;
  /** Offset in floats from the start of the flat buffer. */
  offset: number;
  /** Row-major shape; a dense weight is [inputs, outputs]. */
  shape: number[];
  /** Product of the shape. */
  size: number;
}

export class ParamTable {
  private readonly byName = new Map<string, ParamView>();
  readonly views: ParamView[] = [];
  /** Total floats, including alignment padding. */
  size = 0;

  /** Appends a view, aligned to 4 floats (16 bytes) so that every view can be bound on its own. */
  add(name: string, shape: number[]): ParamView {
    if (this.byName.has(name)) throw new Error(`parameter '${name}' is already in the table`);
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`parameter '${name}' has shape [${shape.join(', ')}]; expected positive integer dimensions`);
    }
    const offset = Math.ceil(this.size / 4) * 4;
    const size = shape.reduce((a, b) => a * b, 1);
    const view: ParamView = { name, offset, shape: [...shape], size };
    this.views.push(view);
    this.byName.set(name, view);
    this.size = offset + size;
    return view;
  }

  view(name: string): ParamView {
    const view = this.byName.get(name);
    if (!view) throw new Error(`no parameter named '${name}'; the table has: ${this.views.map((v) => v.name).join(', ')}`);
    return view;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Buffer size in bytes. */
  get byteSize(): number {
    return Math.max(16, Math.ceil(this.size / 4) * 16);
  }

  /** A copy of one view's values out of a flat array. */
  slice(flat: Float32Array, name: string): Float32Array {
    const view = this.view(name);
    return flat.slice(view.offset, view.offset + view.size);
  }
}
