/**
 * What a self-play page shows of the pool beside its curves: the learner's Elo and the games of the last
 * iteration (#elo, #snapshots, #games hold plain numbers, for people and tests), and the pool's table, one row per
 * filled slot (the snapshot it holds, its Elo, its games in the last iteration), then the latest self.
 *
 * Snapshot k (0: the initial policy) fills slot k mod window, so slot s holds the newest snapshot k ≤ n with
 * k ≡ s (mod window), n the newest of all.
 */
import type { IterationReport } from '../../src/index.js';

type SelfPlayReport = NonNullable<IterationReport['selfPlay']>;
/** A trainer's summary of the pool: the learner's rating, the filled slots' and the snapshots taken. */
type Standing = Pick<SelfPlayReport, 'elo' | 'snapshotElos' | 'snapshots'>;

export interface LeagueElements {
  elo: HTMLElement;
  snapshots: HTMLElement;
  /** The last iteration's games as "won / drawn / lost". */
  games: HTMLElement;
  /** tbody of the pool's table: snapshot, slot, Elo, games in the last iteration. */
  pool: HTMLTableSectionElement;
}

export class LeagueView {
  constructor(private readonly elements: LeagueElements) {
    this.clear();
  }

  update(report: IterationReport): void {
    const league = report.selfPlay;
    if (!league) return;
    this.elements.elo.textContent = league.elo.toFixed(1);
    this.elements.snapshots.textContent = String(league.snapshots);
    this.elements.games.textContent = `${league.wins} / ${league.draws} / ${league.losses}`;
    this.elements.pool.replaceChildren(...poolRows(league));
  }

  /**
   * Empties the view, or, for a trainer restored from a checkpoint, shows its standing (`standing`: its
   * summary's selfPlay; `window`: its config's) until its first iteration reports.
   */
  clear(restored?: { standing: Standing; window: number }): void {
    if (restored) {
      const { standing, window: slots } = restored;
      this.elements.elo.textContent = standing.elo.toFixed(1);
      this.elements.snapshots.textContent = String(standing.snapshots);
      this.elements.games.textContent = '';
      this.elements.pool.replaceChildren(...poolRows({ ...standing, gamesPerSlot: new Array<number | null>(slots).fill(null), gamesAgainstLatest: null }));
      return;
    }
    this.elements.elo.textContent = '';
    this.elements.snapshots.textContent = '0';
    this.elements.games.textContent = '';
    const row = document.createElement('tr');
    const cell = document.createElement('td');
    cell.colSpan = 4;
    cell.className = 'note';
    cell.textContent = 'The pool fills as self-play trains: its first snapshot is the initial policy.';
    row.append(cell);
    this.elements.pool.replaceChildren(row);
  }
}

/** The pool's ratings and the games per opponent of the last iteration (null: none played here yet). */
type PoolRows = Standing & { gamesPerSlot: (number | null)[]; gamesAgainstLatest: number | null };

function poolRows(league: PoolRows): HTMLTableRowElement[] {
  const slots = league.gamesPerSlot.length;
  const newest = league.snapshots - 1;
  const rows = league.snapshotElos.map((elo, slot) => {
    const snapshot = newest - ((((newest - slot) % slots) + slots) % slots);
    return row(slot === newest % slots ? 'newest' : '', [snapshot === 0 ? 'snapshot 0 (the initial policy)' : `snapshot ${snapshot}`, String(slot), elo.toFixed(1), games(league.gamesPerSlot[slot])]);
  });
  rows.push(row('latest', ['the latest self (the learner)', '–', league.elo.toFixed(1), games(league.gamesAgainstLatest)]));
  return rows;
}

const games = (count: number | null | undefined) => (count === null || count === undefined ? '–' : String(count));

function row(kind: string, cells: string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  if (kind) tr.dataset.kind = kind;
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}
