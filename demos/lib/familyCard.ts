/**
 * One member of the family on the comparison page: its name, its estimator as a formula, the hyperparameters it
 * trains with, its learning curve (mean episode return against environment steps, on the shared budget's axis) and
 * its readouts. The readouts hold plain numbers where they can, for people and tests: [data-readout="steps"],
 * [data-readout="iterations"] (the curve's points), [data-readout="return"] (the mean of the last SOLVED_WINDOW episodes) and
 * [data-readout="solved"] (the step at which that mean first reached the environment's threshold). The card's
 * state is in its data-state: waiting, compiling, training, done, stopped or failed.
 */
import { SOLVED_WINDOW, type IterationReport, type TrainerConfig } from '../../src/index.js';
import { LearningCurves } from './curves.js';
import type { FamilyMember } from './family.js';
import { memberKey } from './family.js';
import { renderMaths } from './maths.js';

export type CardState = 'waiting' | 'compiling' | 'training' | 'done' | 'stopped' | 'failed';

/** Redraws of a card's curve per second, at most: nine cards share the page with training. */
const REDRAWS_PER_SECOND = 4;

export class FamilyCard {
  readonly element: HTMLElement;
  private readonly settings: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly curves: LearningCurves;
  private readonly readouts: Record<'steps' | 'iterations' | 'return' | 'solved', HTMLElement>;
  private readonly budget: HTMLElement;
  private threshold: number | null = null;

  constructor(
    container: HTMLElement,
    readonly member: FamilyMember,
  ) {
    this.element = document.createElement('section');
    this.element.className = 'member';
    this.element.dataset.key = memberKey(member);
    const title = document.createElement('h2');
    title.textContent = member.label;
    const estimator = document.createElement('p');
    estimator.className = 'estimator';
    estimator.append(renderMaths(member.estimator));
    this.settings = document.createElement('p');
    this.settings.className = 'note';

    const readouts = document.createElement('div');
    readouts.className = 'readouts';
    const readout = (label: string, name: string, after?: HTMLElement): HTMLElement => {
      const item = document.createElement('span');
      const value = document.createElement('span');
      value.className = 'value';
      value.dataset.readout = name;
      item.append(`${label}: `, value);
      if (after) item.append(after);
      readouts.append(item);
      return value;
    };
    this.budget = document.createElement('span');
    this.readouts = {
      steps: readout('env steps', 'steps', this.budget),
      iterations: readout('iterations', 'iterations'),
      return: readout('mean return', 'return'),
      solved: readout('solved at', 'solved'),
    };
    this.problem = document.createElement('p');
    this.problem.className = 'problem';
    this.problem.hidden = true;

    const chart = document.createElement('div');
    chart.setAttribute('aria-label', `Learning curve of ${member.label}`);
    this.element.append(title, estimator, this.settings, readouts, this.problem, chart);
    container.append(this.element);
    this.curves = new LearningCurves(chart, { charts: ['return'], minRedrawMs: 1000 / REDRAWS_PER_SECOND });
    this.setState('waiting');
  }

  /** Empties the card for a new run with `config` on an environment of reward threshold `threshold` (or none). */
  reset(config: TrainerConfig, threshold: number | null): void {
    this.threshold = threshold;
    const settings = (['num_envs', 'num_steps', 'update_epochs', 'num_minibatches', 'learning_rate'] as const).map((key) => `${key} ${config[key]}`);
    this.settings.textContent = `${settings.join(' · ')}${config.anneal_lr ? ' (annealed)' : ''}`;
    this.curves.clear();
    this.curves.setStepRange(config.total_timesteps);
    this.budget.textContent = ` of ${config.total_timesteps}`;
    this.readouts.steps.textContent = '0';
    this.readouts.iterations.textContent = '0';
    this.readouts.return.textContent = '';
    this.showSolved(null);
    this.problem.hidden = true;
    this.problem.textContent = '';
    this.setState('waiting');
  }

  report(report: IterationReport, solvedAtStep: number | null): void {
    this.curves.add(report);
    this.readouts.steps.textContent = String(report.globalStep);
    this.readouts.iterations.textContent = String(this.curves.points);
    this.readouts.return.textContent = report.recentReturn === null ? '' : String(Math.round(report.recentReturn * 100) / 100);
    this.showSolved(solvedAtStep);
  }

  fail(error: unknown): void {
    this.problem.textContent = `Training stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    this.problem.hidden = false;
    this.setState('failed');
    console.error(`${this.member.label} failed:`, error);
  }

  get state(): CardState {
    return this.element.dataset.state as CardState;
  }

  setState(state: CardState): void {
    this.element.dataset.state = state;
  }

  private showSolved(step: number | null): void {
    const solved = this.readouts.solved;
    if (step !== null) solved.textContent = String(step);
    else solved.textContent = this.threshold === null ? 'no threshold for this environment' : `not yet (threshold ${this.threshold})`;
    solved.title = this.threshold === null ? '' : `the first step at which the mean return of the last ${SOLVED_WINDOW} episodes reached ${this.threshold}`;
  }
}
