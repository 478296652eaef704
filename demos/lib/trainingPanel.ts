/**
 * The training half of a demo page, shared by every page that trains: the hyperparameter form, start / pause /
 * reset, the readouts (#mean-return and #env-steps hold plain numbers, for people and tests), the learning curves,
 * the watched environments, and policies and checkpoints in and out (download buttons, one file input for both).
 *
 * `TrainingPanel.mount(text, hooks)` writes the section's markup into the page's `[data-training-section]`
 * (trainingSection.ts) and then finds these elements: #hyperparams, #start, #pause, #reset, #deterministic,
 * #download-policy, #download-checkpoint, #load-file, #mean-return, #env-steps, #iteration, #sps, #curves and
 * the canvas #envs; the page itself holds #status. Its state is mirrored in document.body.dataset.state: idle, compiling, running, paused, done,
 * stopped or error.
 */
import {
  CheckpointError,
  ConfigError,
  createEnv,
  createTrainer,
  defaultsFor,
  exportPolicy,
  getEnvDefinition,
  loadPolicy,
  loadTrainer,
  saveTrainer,
  type IterationReport,
  type LoadedPolicy,
  type Trainer,
  type TrainerConfig,
  type VecEnv,
} from '../../src/index.js';
import { LearningCurves, type ChartName } from './curves.js';
import { DisplayLoop, type ActingPolicy } from './display.js';
import { downloadBytes, fileNameFor, identifyFile, readFileBytes } from './files.js';
import { EDITABLE_KEYS, HyperparameterForm, queryOverrides, type EditableConfig } from './hyperparams.js';
import { formatNumber } from './format.js';
import type { Renderer } from './render/types.js';
import { StatusLine } from './status.js';
import { TrainingRun } from './training.js';
import { mountTrainingSection, type TrainingSectionText } from './trainingSection.js';

export type PanelState = 'idle' | 'compiling' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface PanelEnv {
  id: string;
  renderer: Renderer;
  /** The page's starting hyperparameters for this environment (before the URL's overrides). */
  preset: EditableConfig;
  /** Environments drawn (default 4). */
  displayEnvs?: number;
  /** Upper bound on drawn steps per second. */
  stepsPerSecond?: number;
  /** Keys the form does not show that the page fixes, e.g. the network (`encoder`, `hidden_sizes`). */
  fixed?: Partial<TrainerConfig>;
}

export interface PanelHooks {
  /**
   * A policy became current for playing: the trainer's, one loaded from a file, or none. Resolve once the page
   * no longer uses the previous one (it is destroyed next).
   */
  onPolicy?(policy: ActingPolicy | null, source: string): void | Promise<void>;
  /** The page's settings for another environment, so a file made for it can switch the page there; or null. */
  resolveEnv?(id: string): PanelEnv | null;
  /** The page switched environment (to load a file made for another one). */
  onEnvChange?(env: PanelEnv): void;
  onReport?(report: IterationReport): void;
  /** The readouts were cleared (a reset, a new run, a file loaded): clear what the page shows beside them. */
  onClear?(): void;
}

export interface PanelOptions {
  /** The learning curves drawn (default: the six of one-player training; self-play pages add 'elo'). */
  charts?: readonly ChartName[];
}

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no element #${id}`);
  return element as T;
};

export class TrainingPanel {
  readonly status = new StatusLine(byId('status'));
  readonly form = new HyperparameterForm(byId('hyperparams'));
  readonly curves: LearningCurves;
  private readonly buttons = {
    start: byId<HTMLButtonElement>('start'),
    pause: byId<HTMLButtonElement>('pause'),
    reset: byId<HTMLButtonElement>('reset'),
    downloadPolicy: byId<HTMLButtonElement>('download-policy'),
    downloadCheckpoint: byId<HTMLButtonElement>('download-checkpoint'),
  };
  private readonly fileInput = byId<HTMLInputElement>('load-file');
  private readonly deterministic = byId<HTMLInputElement>('deterministic');
  private readonly readouts = {
    meanReturn: byId('mean-return'),
    envSteps: byId('env-steps'),
    iteration: byId('iteration'),
    sps: byId('sps'),
  };
  private env!: PanelEnv;
  private displayEnv: VecEnv | undefined;
  private display: DisplayLoop | undefined;
  private trainer: Trainer | undefined;
  private run: TrainingRun | undefined;
  private loadedPolicy: LoadedPolicy | undefined;
  /** Serialises start / reset / load / environment changes, so clicks during a slow step cannot interleave. */
  private busy: Promise<unknown> = Promise.resolve();
  private state: PanelState = 'idle';

  /** Writes the training section (worded by `text`) into the page, then wires it. */
  static mount(text: TrainingSectionText, hooks: PanelHooks = {}, options: PanelOptions = {}): TrainingPanel {
    mountTrainingSection(text);
    return new TrainingPanel(hooks, options);
  }

  private constructor(
    private readonly hooks: PanelHooks = {},
    options: PanelOptions = {},
  ) {
    this.curves = new LearningCurves(byId('curves'), { charts: options.charts });
    this.form.onAlgorithmChange = (algo) => this.form.setValues(this.algorithmValues(algo));
    this.buttons.start.addEventListener('click', () => this.exclusive(() => this.start()));
    this.buttons.pause.addEventListener('click', () => this.togglePause());
    this.buttons.reset.addEventListener('click', () => this.exclusive(() => this.reset()));
    this.buttons.downloadPolicy.addEventListener('click', () => this.exclusive(() => this.download('policy')));
    this.buttons.downloadCheckpoint.addEventListener('click', () => this.exclusive(() => this.download('checkpoint')));
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (file) void this.exclusive(() => this.loadFile(file));
    });
    this.deterministic.addEventListener('change', () => {
      if (this.display) this.display.deterministic = this.deterministic.checked;
    });
  }

  /**
   * The form's values for another algorithm: PPO's are the page's preset; A2C's and REINFORCE's are the engine's
   * defaults for them on this environment (one step per batch: epochs and minibatches 1), keeping the run's length
   * and seed.
   */
  private algorithmValues(algo: TrainerConfig['algo']): EditableConfig {
    const { total_timesteps, seed } = this.form.values();
    if (algo === 'ppo' || algo === 'ppo-penalty') return { ...this.env.preset, algo, total_timesteps, seed };
    const defaults = defaultsFor(this.env.id, getEnvDefinition(this.env.id).action.type === 'box', algo);
    const values = Object.fromEntries(EDITABLE_KEYS.map((key) => [key, defaults[key]])) as EditableConfig;
    return { ...values, total_timesteps, seed };
  }

  get currentEnv(): string {
    return this.env.id;
  }

  get currentTrainer(): Trainer | undefined {
    return this.trainer;
  }

  /** Switches to `env` (resetting any run): new form values, a new batch of watched environments. */
  setEnv(env: PanelEnv, query = new URLSearchParams()): Promise<void> {
    return this.exclusive(() => this.switchEnv(env, query));
  }

  private async switchEnv(env: PanelEnv, query = new URLSearchParams()): Promise<void> {
    await this.teardown();
    this.env = env;
    this.form.setValues({ ...env.preset, ...queryOverrides(query) });
    this.deterministic.checked = query.get('deterministic') === '1';
    await this.startDisplay();
    this.setState('idle');
    this.status.set(`Ready: ${env.id}. Set the hyperparameters and press Start.`);
    this.hooks.onEnvChange?.(env);
  }

  /** Runs `task` after every earlier one; its error goes to the status line. */
  exclusive(task: () => Promise<void>): Promise<void> {
    const next = this.busy.then(task).catch((error: unknown) => {
      // A failed action during a run (a download, say) leaves the run going.
      if (!this.run) this.setState('error');
      this.status.error('The last action', error);
    });
    this.busy = next;
    return next;
  }

  private async startDisplay(): Promise<void> {
    const canvas = byId<HTMLCanvasElement>('envs');
    const seed = Number(this.form.values().seed ?? 1) + 10_000;
    this.displayEnv = await createEnv(this.env.id, { numEnvs: this.env.displayEnvs ?? 4, seed: Number.isInteger(seed) ? seed : 10_001 });
    this.display = new DisplayLoop(this.displayEnv, canvas, this.env.renderer, { stepsPerSecond: this.env.stepsPerSecond });
    this.display.deterministic = this.deterministic.checked;
    await this.display.start((error) => this.status.error('Stepping the drawn environments', error));
  }

  private async start(): Promise<void> {
    if (this.run) return;
    let trainer = this.trainer;
    // A restored checkpoint continues its own schedule, up to the total steps in the form (the one field left open).
    let totalSteps = trainer ? Number(this.form.values().total_timesteps) : 0;
    if (trainer && (!Number.isInteger(totalSteps) || totalSteps < trainer.globalStep + trainer.config.num_envs * trainer.config.num_steps)) {
      this.form.showProblem('total_timesteps', `at least one more iteration than the ${trainer.globalStep} steps already taken`);
      this.status.set(`Check total steps: the restored run has taken ${trainer.globalStep} steps already.`, 'error');
      return;
    }
    if (!trainer) {
      const config = { env: this.env.id, ...this.env.fixed, ...this.form.values() } as Partial<TrainerConfig> & { env: string };
      this.setState('compiling');
      this.status.set('Compiling the training shaders (several seconds on a software GPU)…', 'busy');
      try {
        trainer = await createTrainer(config);
      } catch (error) {
        if (error instanceof ConfigError && this.form.showProblem(error.key, error.message)) {
          this.setState('idle');
          this.status.set(`Check ${error.key}: ${error.message}`, 'error');
          return;
        }
        throw error;
      }
      this.curves.clear();
      this.hooks.onClear?.();
      totalSteps = trainer.config.total_timesteps;
    }
    await this.swap({ trainer, policy: trainer.policy, source: 'training' });
    this.form.setEnabled(false);
    const run = new TrainingRun(trainer, totalSteps, {
      onReport: (report) => this.report(report),
      onPauseChange: (paused) => {
        this.setState(paused ? 'paused' : 'running');
        this.buttons.pause.textContent = paused ? 'Resume' : 'Pause';
        if (paused) this.status.set(`Paused at ${trainer.globalStep} steps.`);
      },
    });
    this.run = run;
    this.setState('running');
    this.status.set(`Training ${this.env.id}: the first iterations run on the GPU…`, 'busy');
    run.finished.then(
      (end) => {
        if (this.run !== run) return;
        this.run = undefined;
        this.setState(end);
        this.status.set(end === 'done' ? `Done: ${trainer.globalStep} steps. Download the policy, or reset to train again.` : `Stopped at ${trainer.globalStep} steps.`, 'ok');
      },
      (error: unknown) => {
        if (this.run !== run) return;
        this.run = undefined;
        this.setState('error');
        this.status.error('Training', error);
      },
    );
  }

  private report(report: IterationReport): void {
    this.curves.add(report);
    this.readouts.meanReturn.textContent = report.recentReturn === null ? '' : String(Math.round(report.recentReturn * 100) / 100);
    this.readouts.envSteps.textContent = String(report.globalStep);
    this.readouts.iteration.textContent = String(report.iteration);
    this.readouts.sps.textContent = formatNumber(report.sps);
    if (this.state === 'running') {
      const total = this.run?.totalSteps ?? report.globalStep;
      this.status.set(`Training ${this.env.id}: iteration ${report.iteration}, ${report.globalStep} of ${total} steps, ${formatNumber(report.sps)} steps/s.`, 'busy');
    }
    this.hooks.onReport?.(report);
  }

  private togglePause(): void {
    if (!this.run) return;
    if (this.run.paused) this.run.resume();
    else this.run.pause();
  }

  /** Stops the run and forgets the trainer: back to an editable form, empty curves, fresh watched episodes. */
  private async reset(): Promise<void> {
    await this.stopRun();
    await this.swap({ policy: null, source: 'none' });
    this.clearReadouts();
    await this.display?.stop();
    await this.display?.start((error) => this.status.error('Stepping the drawn environments', error));
    this.setState('idle');
    this.status.set(`Ready: ${this.env.id}. Set the hyperparameters and press Start.`);
  }

  private async stopRun(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    this.status.set('Stopping after the iteration in flight…', 'busy');
    await run.stop();
  }

  private async teardown(): Promise<void> {
    await this.stopRun();
    await this.swap({ policy: null, source: 'none' });
    await this.display?.stop();
    this.displayEnv?.destroy();
    this.display = undefined;
    this.displayEnv = undefined;
    this.clearReadouts();
  }

  private clearReadouts(): void {
    this.curves.clear();
    for (const readout of Object.values(this.readouts)) readout.textContent = '';
    this.readouts.envSteps.textContent = '0';
    this.form.setEnabled(true);
    this.hooks.onClear?.();
  }

  /**
   * Makes `next.policy` the one the page plays, and frees the trainer or loaded policy it replaces once nothing
   * uses them any more (the drawn environments' and the page's steps in flight have finished). A run using the
   * old trainer must have been stopped.
   */
  private async swap(next: { trainer?: Trainer; loaded?: LoadedPolicy; policy: ActingPolicy | null; source: string }): Promise<void> {
    const oldTrainer = this.trainer;
    const oldLoaded = this.loadedPolicy;
    this.trainer = next.trainer;
    this.loadedPolicy = next.loaded;
    if (this.display) this.display.policy = next.policy;
    await Promise.all([this.display?.settle(), this.hooks.onPolicy?.(next.policy, next.source)]);
    if (oldTrainer && oldTrainer !== next.trainer) oldTrainer.destroy();
    if (oldLoaded && oldLoaded !== next.loaded) oldLoaded.destroy();
  }

  private async download(kind: 'policy' | 'checkpoint'): Promise<void> {
    const trainer = this.trainer;
    if (!trainer) {
      this.status.set('Nothing to download yet: start training first.', 'error');
      return;
    }
    // iterations() keeps the next iteration in flight while a report is handled (even when paused): a checkpoint
    // taken then would hold that iteration's parameters under the previous one's counters. Stopping drains it.
    const stopped = kind === 'checkpoint' && this.run !== undefined;
    if (stopped) {
      await this.stopRun();
      this.setState('stopped');
      this.form.setEnabled(false, ['total_timesteps']);
    }
    const bytes = kind === 'policy' ? await exportPolicy(trainer) : await saveTrainer(trainer);
    downloadBytes(bytes, fileNameFor(this.env.id, kind, trainer.globalStep));
    this.status.set(
      `Saved the ${kind} at ${trainer.globalStep} steps (${formatNumber(bytes.length)} bytes).${stopped ? ' The run stopped for it: Start continues it.' : ''}`,
      'ok',
    );
  }

  /** A policy file: played by the drawn environments. A checkpoint: restored, ready to continue training. */
  private async loadFile(file: File): Promise<void> {
    if (this.run) {
      this.status.set('Reset (or let the run end) before loading a file.', 'error');
      return;
    }
    const bytes = await readFileBytes(file);
    try {
      const { kind, env } = identifyFile(bytes);
      const other = env !== this.env.id ? this.hooks.resolveEnv?.(env) : null;
      if (other) await this.switchEnv(other);
      if (kind === 'policy') await this.usePolicyFile(bytes, file.name);
      else await this.useCheckpointFile(bytes, file.name);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      this.status.set(`Could not load ${file.name}: ${error.message}. Nothing was changed.`, 'error');
    }
  }

  /** Plays a policy file (CheckpointError, changing nothing, when it is not a valid policy for this environment). */
  async usePolicyFile(bytes: Uint8Array, name: string): Promise<LoadedPolicy> {
    const policy = await loadPolicy(bytes, { env: this.env.id, seed: 1 });
    await this.stopRun();
    await this.swap({ loaded: policy, policy, source: `${name} (trained ${policy.trainedSteps} steps)` });
    this.clearReadouts();
    this.setState('idle');
    this.status.set(`Playing ${name}, a policy trained for ${policy.trainedSteps} steps. Start trains a new one.`, 'ok');
    return policy;
  }

  private async useCheckpointFile(bytes: Uint8Array, name: string): Promise<void> {
    const { env } = identifyFile(bytes);
    if (env !== this.env.id) throw new CheckpointError(`the file holds a checkpoint for '${env}', not for '${this.env.id}'`);
    this.setState('compiling');
    this.status.set(`Restoring ${name}: compiling the training shaders…`, 'busy');
    const trainer = await loadTrainer(bytes);
    if (trainer.config.env !== this.env.id) {
      trainer.destroy();
      throw new CheckpointError(`the file holds a checkpoint for '${trainer.config.env}', not for '${this.env.id}'`);
    }
    await this.swap({ trainer, policy: trainer.policy, source: `checkpoint ${name}` });
    this.clearReadouts();
    this.form.setValues(trainer.config);
    this.form.setEnabled(false, ['total_timesteps']);
    this.readouts.envSteps.textContent = String(trainer.globalStep);
    this.setState('idle');
    this.status.set(`Restored ${name} at ${trainer.globalStep} of ${trainer.config.total_timesteps} steps: Start continues the run (raise total steps to train longer).`, 'ok');
  }

  private setState(state: PanelState): void {
    this.state = state;
    document.body.dataset.state = state;
    const running = state === 'running' || state === 'paused';
    // After a training error the trainer is kept for downloads, but not trained on: Reset starts over.
    this.buttons.start.disabled = running || state === 'compiling' || state === 'done' || (state === 'error' && this.run === undefined && this.trainer !== undefined);
    this.buttons.pause.disabled = !running;
    if (!running) this.buttons.pause.textContent = 'Pause';
    this.buttons.reset.disabled = state === 'compiling';
    this.buttons.downloadPolicy.disabled = !this.trainer;
    this.buttons.downloadCheckpoint.disabled = !this.trainer;
    this.fileInput.disabled = running || state === 'compiling';
  }
}
