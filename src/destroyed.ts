/**
 * The error of every public method called on an object after its destroy(): a trainer, a policy (GPU or plain
 * JavaScript). Its memory is freed (or about to be), so the call cannot do what it says; a new object is needed.
 */
export class DestroyedError extends Error {
  override name = 'DestroyedError';
  constructor(
    /** The method called, e.g. `Trainer.train` or `GpuPolicy.act`. */
    readonly method: string,
    detail = '',
  ) {
    super(`${method}(): this object was destroyed (destroy() was called)${detail ? `; ${detail}` : ''}; create a new one to go on`);
  }
}
