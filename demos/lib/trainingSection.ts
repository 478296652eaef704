/**
 * The markup of a page's training section, written once for every page that trains: the start / pause / reset
 * toolbar with the deterministic switch, the hyperparameter form's place, the readouts, the watched environments'
 * canvas with the policy and checkpoint buttons, and the learning curves' place. A page holds an empty
 * `<div data-training-section>` and passes its wording; TrainingPanel then finds the elements by their ids
 * (trainingPanel.ts lists them).
 */

export interface TrainingSectionText {
  /** The start button's label, e.g. "Start training". */
  start: string;
  /** What the page calls an episode, plural, for the mean-return readout: "episodes", "games", "rallies". */
  episodes: string;
  /** A note on the episodes readout, e.g. "at most 5" (optional). */
  episodesNote?: string;
  /** What the watched environments are, plural: "environments", "boards", "courts", "games". */
  drawn: string;
  /** Appended to the deterministic switch's label, e.g. "(small boards)". */
  deterministicNote?: string;
  /** The hyperparameter details' summary line (default "Hyperparameters") and whether it starts open. */
  hyperparameters?: { summary: string; open: boolean };
  /** A note under the watched environments' canvas. */
  canvasNote?: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The section's markup for `text` (every piece of wording escaped). */
export function trainingSectionHtml(text: TrainingSectionText): string {
  const t = (s: string) => escapeHtml(s);
  const hyper = text.hyperparameters ?? { summary: 'Hyperparameters', open: false };
  const suffix = text.deterministicNote ? ` ${t(text.deterministicNote)}` : '';
  const episodes = text.episodesNote ? `last 20 ${t(text.episodes)}, ${t(text.episodesNote)}` : `last 20 ${t(text.episodes)}`;
  const canvasNote = text.canvasNote ? `\n    <p class="note">${t(text.canvasNote)}</p>` : '';
  return `
<div class="toolbar">
  <button id="start" class="primary" disabled>${t(text.start)}</button>
  <button id="pause" disabled>Pause</button>
  <button id="reset" disabled>Reset</button>
  <label title="Drawn ${t(text.drawn)} act by argmax / mean instead of sampling from the policy"><input type="checkbox" id="deterministic" /> deterministic policy${suffix}</label>
</div>
<details${hyper.open ? ' open' : ''}>
  <summary>${t(hyper.summary)}</summary>
  <div id="hyperparams"></div>
</details>
<div class="readouts">
  <span>mean return (${episodes}): <span class="value" id="mean-return"></span></span>
  <span>env steps: <span class="value" id="env-steps">0</span></span>
  <span>iteration: <span class="value" id="iteration"></span></span>
  <span>steps/s: <span class="value" id="sps"></span></span>
</div>
<div class="panes">
  <section>
    <canvas id="envs" aria-label="Four ${t(text.drawn)} acting with the current policy"></canvas>${canvasNote}
    <div class="toolbar">
      <button id="download-policy" disabled>Download policy</button>
      <button id="download-checkpoint" disabled>Download checkpoint</button>
      <label>Load policy or checkpoint <input type="file" id="load-file" accept=".safetensors" /></label>
    </div>
  </section>
  <section id="curves" aria-label="Learning curves"></section>
</div>`;
}

/** Fills the page's `[data-training-section]` element with the section; throws if the page has none. */
export function mountTrainingSection(text: TrainingSectionText): void {
  const host = document.querySelector<HTMLElement>('[data-training-section]');
  if (!host) throw new Error('the page has no [data-training-section] element for the training section');
  host.innerHTML = trainingSectionHtml(text);
}
