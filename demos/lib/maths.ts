/**
 * Formulas as HTML, from a small plain-text markup: `x_t` and `x^2` put one character below or above, `x_{t+1}` and
 * `γ^{t′−t}` a group; a single Latin or lower-case Greek letter is a variable (italic, in <var>), a longer run of
 * letters is a name set upright (log, clip, min, KL); everything else (Unicode operators such as ∇ Σ 𝔼 ≈ − ‖ ≥) is
 * kept as written. The look is demos/style.css's `.maths`.
 */

const LATIN = /^[A-Za-zÂ]$/u;
const GREEK_LOWER = /^[α-ω]$/u;

/** `markup` as a `.maths` span; a SyntaxError for an unbalanced brace or a dangling `_` / `^`. */
export function renderMaths(markup: string): HTMLSpanElement {
  const chars = Array.from(markup);
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`formula '${markup}': ${what} at character ${at}`);
  };

  const appendText = (parent: Node, text: string) => {
    const last = parent.lastChild;
    if (last instanceof Text) last.appendData(text);
    else parent.appendChild(document.createTextNode(text));
  };

  const appendVariable = (parent: Node, letter: string) => {
    const variable = document.createElement('var');
    variable.textContent = letter;
    parent.appendChild(variable);
  };

  /** One character (a script's lone argument), or a run of Latin letters (a variable or a name). */
  const appendAtom = (parent: Node, single: boolean) => {
    const first = chars[at]!;
    if (LATIN.test(first)) {
      let end = at + 1;
      while (!single && end < chars.length && LATIN.test(chars[end]!)) end++;
      const run = chars.slice(at, end).join('');
      at = end;
      if (run.length === 1) appendVariable(parent, run);
      else appendText(parent, run);
      return;
    }
    at++;
    if (GREEK_LOWER.test(first)) appendVariable(parent, first);
    else appendText(parent, first);
  };

  const parse = (parent: Node, inGroup: boolean): void => {
    while (at < chars.length) {
      const char = chars[at]!;
      if (char === '}') {
        if (!inGroup) fail('an unopened }');
        at++;
        return;
      }
      if (char === '{') fail('a { outside a script');
      if (char === '_' || char === '^') {
        at++;
        const script = document.createElement(char === '_' ? 'sub' : 'sup');
        if (at >= chars.length) fail(`nothing after ${char}`);
        if (chars[at] === '{') {
          at++;
          parse(script, true);
        } else {
          appendAtom(script, true);
        }
        parent.appendChild(script);
        continue;
      }
      appendAtom(parent, false);
    }
    if (inGroup) fail('an unclosed {');
  };

  const element = document.createElement('span');
  element.className = 'maths';
  parse(element, false);
  return element;
}
