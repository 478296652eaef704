/**
 * A streaming filter for the CLI's stderr that drops the lines Dawn's native code prints when it creates a Vulkan
 * adapter (`Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from ... to ... to fit dynamic
 * offset allocation limit.` and the same for storage buffers) and passes everything else through unchanged and
 * without delay: text is held back only while the current line could still become one of those lines, so a
 * progress bar redrawn with carriage returns and no newline is not delayed.
 */
import { StringDecoder } from 'node:string_decoder';

/** The start every dropped line shares; a line is held while it is a prefix of this or starts with it. */
const PREFIX = 'Warning: maxDynamic';
const DROPPED = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

export class StderrFilter {
  private readonly decoder = new StringDecoder('utf8');
  /** Text of the current line held back (a possible dropped line). */
  private held = '';
  /** The current line can no longer become a dropped line: pass it through until its newline. */
  private passing = false;

  constructor(private readonly emit: (text: string) => void) {}

  write(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let out = '';
    let start = 0;
    for (let i = 0; i <= text.length; i++) {
      const atNewline = i < text.length && text[i] === '\n';
      if (!atNewline && i < text.length) continue;
      // text[start, i) is the rest of the current line up to a newline (atNewline) or the chunk's end.
      const piece = text.slice(start, i);
      if (this.passing) {
        out += piece + (atNewline ? '\n' : '');
      } else {
        const line = this.held + piece;
        if (atNewline) {
          if (!DROPPED.test(line)) out += `${line}\n`;
          this.held = '';
        } else if (PREFIX.startsWith(line) || line.startsWith(PREFIX)) {
          this.held = line;
        } else {
          out += line;
          this.held = '';
          this.passing = true;
        }
      }
      if (atNewline) this.passing = false;
      start = i + 1;
    }
    if (out) this.emit(out);
  }

  /** The stream ended: whatever is held was not a dropped line after all. */
  end(): void {
    const rest = this.held + this.decoder.end();
    this.held = '';
    if (rest) this.emit(rest);
  }
}
