/**
 * The page's status line: what is happening right now (requesting the GPU, compiling shaders, training, paused)
 * and errors, so a visitor never stares at a page that silently does nothing. Errors also go to the console.
 */
export type StatusKind = 'idle' | 'busy' | 'ok' | 'error';

export class StatusLine {
  constructor(private readonly element: HTMLElement) {
    element.setAttribute('role', 'status');
    element.setAttribute('aria-live', 'polite');
  }

  set(text: string, kind: StatusKind = 'idle'): void {
    this.element.textContent = text;
    this.element.dataset.kind = kind;
  }

  /** Shows an error (its message, prefixed with what was being done) and logs it with its stack. */
  error(doing: string, error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.set(`${doing} failed — ${message}`, 'error');
    console.error(`${doing} failed:`, error);
  }
}
