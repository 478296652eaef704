/**
 * The comparison page: the policy-gradient family (lib/family.ts) trained side by side on one built-in environment,
 * one learning curve per member beside its estimator. Every member gets the same seed and the same budget of
 * environment steps and otherwise its own defaults (defaultsFor); the trainers share the page's GPU device and
 * advance together, one iteration at a time (lib/roundRobin.ts).
 *
 * URL parameters: ?env=Acrobot-v1&steps=20000&seed=1&autostart=1, and &family=reinforce:baseline,a2c,ppo to train
 * only some members (their keys: the algorithm, and REINFORCE's ψ after a colon). The page's state is in
 * document.body.dataset.state: idle, compiling, running, done, stopped or error.
 */
import { createTrainer, defaultsFor, getEnvDefinition, SOLVED_WINDOW, type Gpu, type Trainer, type TrainerConfig } from '../src/index.js';
import { FamilyCard } from './lib/familyCard.js';
import { selectFamily } from './lib/family.js';
import { formatNumber } from './lib/format.js';
import { renderMaths } from './lib/maths.js';
import { PRESETS } from './lib/presets.js';
import { RoundRobinRun } from './lib/roundRobin.js';
import { startPage } from './lib/page.js';
import { StatusLine } from './lib/status.js';

type PageState = 'idle' | 'compiling' | 'running' | 'done' | 'stopped' | 'error';

const query = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = {
  env: byId<HTMLSelectElement>('env'),
  budget: byId<HTMLInputElement>('budget'),
  seed: byId<HTMLInputElement>('seed'),
  train: byId<HTMLButtonElement>('train'),
  stop: byId<HTMLButtonElement>('stop'),
};

/** Gymnasium's classic control: the environments with a page preset, without MinAtar's 400-cell grids. */
const ENVS = Object.keys(PRESETS).filter((id) => !id.startsWith('MinAtar/'));

const isContinuous = (env: string) => getEnvDefinition(env).action.type === 'box';

/** The budget the page proposes for `env`: PPO's tuned run length there. */
const defaultBudget = (env: string) => defaultsFor(env, isContinuous(env), 'ppo').total_timesteps;

class FamilyPage {
  private state: PageState = 'idle';
  private run: RoundRobinRun | undefined;
  private stopRequested = false;

  constructor(
    private readonly gpu: Gpu,
    private readonly cards: readonly FamilyCard[],
    readonly status: StatusLine,
  ) {
    controls.train.addEventListener('click', () =>
      this.train().catch((error: unknown) => {
        this.setState('error');
        this.status.error('Training', error);
      }),
    );
    controls.stop.addEventListener('click', () => void this.stop());
    controls.env.addEventListener('change', () => this.showEnv(controls.env.value, defaultBudget(controls.env.value)));
  }

  showEnv(env: string, budget: number): void {
    controls.env.value = env;
    controls.budget.value = String(budget);
    const threshold = getEnvDefinition(env).rewardThreshold;
    byId('env-note').textContent =
      threshold === null
        ? `${env} has no reward threshold: compare the curves.`
        : `${env} counts as solved when the mean return of the last ${SOLVED_WINDOW} training episodes reaches ${threshold}.`;
    this.setState('idle');
    this.status.set(`Ready: ${this.cards.length} members on ${env}. Press Train.`);
  }

  /** Each member's own defaults for `env` (its algorithm's, and its ψ). */
  private defaults(env: string): Omit<TrainerConfig, 'env'>[] {
    return this.cards.map(({ member }) => ({ ...defaultsFor(env, isContinuous(env), member.algo), ...(member.psi ? { psi: member.psi } : {}) }));
  }

  private async train(): Promise<void> {
    if (this.state === 'compiling' || this.state === 'running') return;
    const env = controls.env.value;
    const budget = Number(controls.budget.value);
    const seed = Number(controls.seed.value);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      this.status.set(`Check the seed: ${controls.seed.value || '(empty)'} is not an integer in [0, 2^32).`, 'error');
      return;
    }
    const defaults = this.defaults(env);
    const batches = defaults.map((config) => config.num_envs * config.num_steps);
    const largest = Math.max(...batches);
    if (!Number.isInteger(budget) || budget < largest) {
      const who = this.cards[batches.indexOf(largest)]!.member.label;
      this.status.set(`Check the budget: at least ${largest} steps, one batch of ${who} on ${env} (${controls.budget.value || 'empty'} now).`, 'error');
      return;
    }
    const configs: TrainerConfig[] = defaults.map((config) => ({ ...config, env, seed, total_timesteps: budget }));
    this.stopRequested = false;
    const threshold = getEnvDefinition(env).rewardThreshold;
    this.cards.forEach((card, i) => card.reset(configs[i]!, threshold));
    this.setState('compiling');
    const trainers: Trainer[] = [];
    try {
      for (const [i, card] of this.cards.entries()) {
        this.status.set(`Compiling ${i + 1} of ${this.cards.length}: ${card.member.label} (several seconds each on a software GPU)…`, 'busy');
        card.setState('compiling');
        trainers.push(await createTrainer(configs[i]!, { gpu: this.gpu }));
        card.setState('waiting');
        if (this.stopRequested) return this.end('stopped', trainers);
      }
    } catch (error) {
      this.end('error', trainers);
      this.status.error('Creating the trainers', error);
      return;
    }
    for (const card of this.cards) card.setState('training');
    this.setState('running');
    this.status.set(`Training ${trainers.length} members on ${env}: the first iterations run on the GPU…`, 'busy');
    const run = new RoundRobinRun(trainers, budget, {
      onReport: (index, report) => {
        this.cards[index]!.report(report, trainers[index]!.solvedAtStep);
        if (this.state === 'running') this.showProgress(env, trainers, budget);
      },
      onError: (index, error) => this.cards[index]!.fail(error),
    });
    this.run = run;
    const end = await run.finished.catch((error: unknown) => {
      this.status.error('Training', error);
      return 'error' as const;
    });
    this.run = undefined;
    this.end(end, trainers);
  }

  private showProgress(env: string, trainers: readonly Trainer[], budget: number): void {
    const training = trainers.filter((_, i) => this.cards[i]!.state === 'training');
    const behind = Math.min(...training.map((trainer) => trainer.globalStep));
    if (training.length > 0) this.status.set(`Training ${training.length} members on ${env}: the one furthest behind at ${formatNumber(behind)} of ${formatNumber(budget)} steps.`, 'busy');
  }

  /** Frees the trainers and reports how the run ended. */
  private end(end: 'done' | 'stopped' | 'error', trainers: readonly Trainer[]): void {
    for (const trainer of trainers) trainer.destroy();
    for (const card of this.cards) if (card.state !== 'failed') card.setState(end === 'done' ? 'done' : 'stopped');
    this.setState(end);
    const failed = this.cards.filter((card) => card.state === 'failed').length;
    if (end === 'done') this.status.set(`Done: every member spent its budget${failed > 0 ? `, except ${failed} that failed (see their cards)` : ''}. Train again with another seed or budget.`, failed > 0 ? 'error' : 'ok');
    if (end === 'stopped') this.status.set('Stopped. Train starts the family again from scratch.', 'ok');
  }

  private async stop(): Promise<void> {
    this.stopRequested = true;
    controls.stop.disabled = true;
    if (this.run) {
      this.status.set('Stopping after the iterations in flight…', 'busy');
      await this.run.stop();
    } else if (this.state === 'compiling') {
      this.status.set('Stopping once the trainer being compiled is ready…', 'busy');
    }
  }

  private setState(state: PageState): void {
    this.state = state;
    document.body.dataset.state = state;
    const busy = state === 'compiling' || state === 'running';
    controls.train.disabled = busy;
    controls.stop.disabled = !busy;
    for (const input of [controls.env, controls.budget, controls.seed]) input.disabled = busy;
  }
}

document.querySelectorAll<HTMLElement>('[data-maths]').forEach((element) => element.replaceChildren(renderMaths(element.dataset.maths!)));

async function main(gpu: Gpu): Promise<void> {
  const status = new StatusLine(byId('status'));
  for (const id of ENVS) {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = id;
    controls.env.append(option);
  }
  let members;
  try {
    members = selectFamily(query.get('family'));
  } catch (error) {
    status.error('Reading ?family= from the URL', error);
    document.body.dataset.state = 'error';
    return;
  }
  const container = byId('family');
  const page = new FamilyPage(
    gpu,
    members.map((member) => new FamilyCard(container, member)),
    status,
  );
  const requested = query.get('env') ?? 'CartPole-v1';
  const env = ENVS.includes(requested) ? requested : 'CartPole-v1';
  page.showEnv(env, query.has('steps') ? Number(query.get('steps')) : defaultBudget(env));
  controls.seed.value = query.get('seed') ?? '1';
  if (env !== requested) page.status.set(`Unknown environment '${requested}' in the URL; showing ${env}. Known: ${ENVS.join(', ')}.`, 'error');
  if (query.get('autostart') === '1') controls.train.click();
}

startPage(main);
