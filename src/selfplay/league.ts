/**
 * The host's book of a self-play run (no GPU here): when snapshots are taken, which slot of the pool each one
 * fills, and the Elo ratings of the learner and of every snapshot.
 *
 * Pool: `window` slots in a ring. Snapshot 0 is the initial policy (ML-Agents saves one as soon as the learning
 * policy exists); after that, a snapshot is taken at the end of the first iteration whose global step is at
 * least `save_steps` past the last one (ML-Agents' `get_step - last_save > save_steps` test, at iteration
 * granularity), into slot (number of snapshots) mod window, evicting the oldest once the window is full. A new
 * snapshot's rating is the learner's at that moment (ML-Agents).
 *
 * Games: each iteration's episodes are counted on the GPU per opponent and result (SelfPlayResults), read back
 * with the iteration's statistics, and applied here in submission order, one game at a time, round-robin over the
 * opponents (slots in order, then the latest self) and the results (win, draw, loss), so the order is fixed and no
 * opponent's games all come first. The latest self is the learner's parameters at the start of the iteration; its
 * rating is the learner's at that moment, moved by the games as any opponent's.
 */
import { eloChange } from './elo.js';

export interface LeagueOptions {
  window: number;
  saveSteps: number;
  initialElo: number;
  k: number;
}

/** Results of one iteration's games: [slot][loss, draw, win] counts, slots 0..window-1 then the latest self. */
export type GameCounts = ArrayLike<number>;

/** What one iteration did to the pool, known when it is submitted. */
export interface IterationPlan {
  /** Snapshots filling the pool during the iteration's rollout. */
  filled: number;
  /** The slot the snapshot taken after this iteration's update fills, or null. */
  snapshotSlot: number | null;
}

export interface SelfPlayReport {
  /** The learner's rating after this iteration's games. */
  elo: number;
  /** Ratings of the snapshots in the pool, by slot (the filled slots only). */
  snapshotElos: number[];
  /** Snapshots taken so far (the initial one included). */
  snapshots: number;
  /** This iteration's games: won, drawn and lost by the learner. */
  wins: number;
  draws: number;
  losses: number;
  /** Of them, the games against the latest self. */
  gamesAgainstLatest: number;
  /** The games against each slot of the pool, by slot (all window slots). */
  gamesPerSlot: number[];
}

/**
 * The book between two iterations, as a checkpoint holds it: the learner's rating, every slot's (all window slots,
 * the empty ones at the initial rating), the snapshots taken so far (the initial one included) and the global step
 * of the last one (0: the initial snapshot), from which the next is due save_steps later.
 */
export interface LeagueState {
  elo: number;
  slotElos: number[];
  snapshots: number;
  lastSave: number;
}

export class League {
  /** Snapshots planned so far (submission side). */
  private planned = 1;
  private lastSave = 0;
  /** Completion side: the learner's rating, each slot's, and the snapshots taken so far. */
  elo: number;
  readonly slotElos: number[];
  private taken = 1;
  private readonly pending: IterationPlan[] = [];

  constructor(readonly options: LeagueOptions) {
    this.elo = options.initialElo;
    this.slotElos = new Array<number>(options.window).fill(options.initialElo);
  }

  /**
   * The plan of the next iteration, which ends at global step `globalStepAfter`: the pool it plays against and
   * whether it takes a snapshot (call once per iteration, in submission order).
   */
  planIteration(globalStepAfter: number): IterationPlan {
    const filled = Math.min(this.planned, this.options.window);
    let snapshotSlot: number | null = null;
    if (globalStepAfter - this.lastSave >= this.options.saveSteps) {
      snapshotSlot = this.planned % this.options.window;
      this.planned += 1;
      this.lastSave = globalStepAfter;
    }
    const plan = { filled, snapshotSlot };
    this.pending.push(plan);
    return plan;
  }

  /** The book between two iterations (none planned and not yet completed). */
  state(): LeagueState {
    if (this.pending.length > 0) throw new Error('League.state: an iteration is still in flight');
    return { elo: this.elo, slotElos: [...this.slotElos], snapshots: this.taken, lastSave: this.lastSave };
  }

  /** Continues from a book saved by state() (checked by the caller: a checkpoint's loader). */
  restore(state: LeagueState): void {
    if (this.pending.length > 0) throw new Error('League.restore: an iteration is still in flight');
    if (state.slotElos.length !== this.options.window) throw new Error(`League.restore: ${state.slotElos.length} slot ratings; expected window = ${this.options.window}`);
    this.elo = state.elo;
    this.slotElos.splice(0, this.slotElos.length, ...state.slotElos);
    this.taken = state.snapshots;
    this.planned = state.snapshots;
    this.lastSave = state.lastSave;
  }

  /** The standing now: the learner's rating, the filled slots' and the snapshots taken. */
  standing(): { elo: number; snapshotElos: number[]; snapshots: number } {
    return { elo: this.elo, snapshotElos: this.slotElos.slice(0, Math.min(this.taken, this.options.window)), snapshots: this.taken };
  }

  /** Applies the oldest planned iteration's games (counts as read back) and its snapshot. */
  completeIteration(counts: GameCounts): SelfPlayReport {
    const plan = this.pending.shift();
    if (!plan) throw new Error('League.completeIteration: no iteration was planned');
    const W = this.options.window;
    const remaining = Array.from(counts, (c) => Math.round(c));
    let latestElo = this.elo;
    const totals = { wins: 0, draws: 0, losses: 0, latest: 0 };
    const perSlot = new Array<number>(W).fill(0);
    // Round-robin: one game of each (slot, result) bucket that has games left, until none has.
    for (let any = true; any; ) {
      any = false;
      for (let slot = 0; slot <= W; slot++) {
        for (const result of [2, 1, 0]) {
          const bucket = 3 * slot + result;
          if (remaining[bucket]! <= 0) continue;
          remaining[bucket]! -= 1;
          any = true;
          const score = result / 2;
          const opponent = slot === W ? latestElo : this.slotElos[slot]!;
          const change = eloChange(this.elo, opponent, score, this.options.k);
          this.elo += change;
          if (slot === W) latestElo -= change;
          else this.slotElos[slot] = this.slotElos[slot]! - change;
          if (result === 2) totals.wins += 1;
          else if (result === 1) totals.draws += 1;
          else totals.losses += 1;
          if (slot === W) totals.latest += 1;
          else perSlot[slot]! += 1;
        }
      }
    }
    if (plan.snapshotSlot !== null) {
      this.slotElos[plan.snapshotSlot] = this.elo;
      this.taken += 1;
    }
    return {
      elo: this.elo,
      snapshotElos: this.slotElos.slice(0, Math.min(this.taken, W)),
      snapshots: this.taken,
      wins: totals.wins,
      draws: totals.draws,
      losses: totals.losses,
      gamesAgainstLatest: totals.latest,
      gamesPerSlot: perSlot,
    };
  }
}
