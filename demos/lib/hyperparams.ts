/**
 * The hyperparameter form of a training page: the keys a visitor may change before a run, each with the
 * one-line meaning the engine documents for it (CONFIG_KEYS), filled from the page's preset and then from the
 * URL's query (e.g. ?num_envs=8&learning_rate=0.001), so tests and links can choose small, fast settings.
 * Values are checked by the engine itself when the run starts; a ConfigError is shown on its field.
 */
import { CONFIG_KEYS, PSIS, type Algo, type TrainerConfig } from '../../src/index.js';

export const EDITABLE_KEYS = [
  'algo',
  'psi',
  'num_envs',
  'num_steps',
  'learning_rate',
  'update_epochs',
  'num_minibatches',
  'ent_coef',
  'clip_coef',
  'gamma',
  'gae_lambda',
  'total_timesteps',
  'seed',
] as const satisfies readonly (keyof TrainerConfig)[];

export type EditableKey = (typeof EDITABLE_KEYS)[number];
export type EditableConfig = Partial<Pick<TrainerConfig, EditableKey>>;

const LABELS: Record<EditableKey, string> = {
  algo: 'algorithm',
  psi: 'ψ (REINFORCE)',
  num_envs: 'num_envs',
  num_steps: 'num_steps',
  learning_rate: 'learning_rate',
  update_epochs: 'update_epochs',
  num_minibatches: 'num_minibatches',
  ent_coef: 'ent_coef',
  clip_coef: 'clip_coef',
  gamma: 'gamma',
  gae_lambda: 'gae_lambda',
  total_timesteps: 'total steps',
  seed: 'seed',
};

/** The editable keys present in a URL query, parsed (numbers as numbers; invalid values are left to the engine). */
export function queryOverrides(query: URLSearchParams): EditableConfig {
  const overrides: Record<string, unknown> = {};
  for (const key of EDITABLE_KEYS) {
    const text = query.get(key);
    if (text === null) continue;
    overrides[key] = isChoice(key) ? text : text.trim() === '' ? Number.NaN : Number(text);
  }
  return overrides as EditableConfig;
}

const isChoice = (key: EditableKey) => key === 'algo' || key === 'psi';

const CHOICES: Record<'algo' | 'psi', [string, string][]> = {
  algo: [
    ['ppo', 'PPO-Clip'],
    ['ppo-penalty', 'PPO-Penalty'],
    ['a2c', 'A2C'],
    ['reinforce', 'REINFORCE'],
  ],
  psi: PSIS.map((psi) => [psi, psi.replace(/_/g, ' ')]),
};

export class HyperparameterForm {
  /** Called when the visitor picks another algorithm (the page then fills in that algorithm's defaults). */
  onAlgorithmChange: ((algo: Algo) => void) | undefined;

  private readonly inputs = new Map<EditableKey, HTMLInputElement | HTMLSelectElement>();
  private readonly problems = new Map<EditableKey, HTMLElement>();

  constructor(container: HTMLElement) {
    container.classList.add('hyperparams');
    for (const key of EDITABLE_KEYS) {
      const field = document.createElement('label');
      field.className = 'field';
      field.title = CONFIG_KEYS[key].meaning;
      const name = document.createElement('span');
      name.textContent = LABELS[key];
      let input: HTMLInputElement | HTMLSelectElement;
      if (key === 'algo' || key === 'psi') {
        input = document.createElement('select');
        for (const [value, text] of CHOICES[key]) {
          const option = document.createElement('option');
          option.value = value;
          option.textContent = text;
          input.append(option);
        }
        if (key === 'algo') input.addEventListener('change', () => this.onAlgorithmChange?.(input.value as Algo));
        if (key === 'psi') input.value = 'advantage';
      } else {
        input = document.createElement('input');
        input.type = 'number';
        input.step = 'any';
        input.inputMode = 'decimal';
      }
      input.id = `hp-${key}`;
      input.name = key;
      const problem = document.createElement('small');
      problem.className = 'problem';
      field.append(name, input, problem);
      container.append(field);
      input.addEventListener('input', () => this.clearProblem(key));
      this.inputs.set(key, input);
      this.problems.set(key, problem);
    }
  }

  setValues(values: EditableConfig): void {
    for (const key of EDITABLE_KEYS) {
      const value = values[key];
      if (value === undefined) continue;
      this.inputs.get(key)!.value = String(value);
      this.clearProblem(key);
    }
  }

  /** The form's values (numbers parsed; an empty or unparsable field is NaN, which the engine rejects by name). */
  values(): EditableConfig {
    const values: Record<string, unknown> = {};
    for (const [key, input] of this.inputs) {
      values[key] = isChoice(key) ? input.value : input.value.trim() === '' ? Number.NaN : Number(input.value);
    }
    return values as EditableConfig;
  }

  /** Enables or disables every field, except those in `keep`, which stay enabled. */
  setEnabled(enabled: boolean, keep: readonly EditableKey[] = []): void {
    for (const [key, input] of this.inputs) input.disabled = !enabled && !keep.includes(key);
  }

  /** Marks the field of `key` (if it is one of the form's) with the engine's message; false if it is not. */
  showProblem(key: string, message: string): boolean {
    const problem = this.problems.get(key as EditableKey);
    if (!problem) return false;
    problem.textContent = message;
    this.inputs.get(key as EditableKey)!.setAttribute('aria-invalid', 'true');
    this.inputs.get(key as EditableKey)!.focus();
    return true;
  }

  private clearProblem(key: EditableKey): void {
    this.problems.get(key)!.textContent = '';
    this.inputs.get(key)!.removeAttribute('aria-invalid');
  }
}
