/**
 * Drawing Snake-v0 from an observation row (boardFromObservation reads its grid channels): the board, the body,
 * the neck and head, the food, and an optional overlay. One function for the big board of the game and the small
 * ones of the training display.
 */
import type { Renderer } from '../../lib/render/types.js';
import { boardFromObservation, SIZE } from './rules.js';

export interface BoardOverlay {
  /** Large faint text over the board, e.g. the food eaten this game. */
  headline?: string;
  /** A small line under the board's top edge. */
  caption?: string;
  /** A small line above the board's bottom edge. */
  footnote?: string;
  headColor?: string;
}

export function drawBoard(g: CanvasRenderingContext2D, obs: ArrayLike<number>, width: number, height: number, overlay: BoardOverlay = {}): void {
  const size = Math.min(width, height);
  const left = (width - size) / 2;
  const top = (height - size) / 2;
  const cell = size / SIZE;
  const board = boardFromObservation(obs);
  g.fillStyle = '#10261a';
  g.fillRect(left, top, size, size);
  g.strokeStyle = 'rgba(255, 255, 255, 0.05)';
  g.lineWidth = 1;
  for (let k = 1; k < SIZE; k++) {
    g.beginPath();
    g.moveTo(left + k * cell, top);
    g.lineTo(left + k * cell, top + size);
    g.moveTo(left, top + k * cell);
    g.lineTo(left + size, top + k * cell);
    g.stroke();
  }
  const fill = (at: [number, number], color: string, inset: number) => {
    g.fillStyle = color;
    g.fillRect(left + at[1] * cell + inset, top + at[0] * cell + inset, cell - 2 * inset, cell - 2 * inset);
  };
  for (const at of board.body) fill(at, '#4caf7a', cell * 0.08);
  if (board.neck) fill(board.neck, '#6fcf97', cell * 0.06);
  if (board.head) fill(board.head, overlay.headColor ?? '#b9f6ca', cell * 0.04);
  if (board.food) {
    g.fillStyle = '#ff6b6b';
    g.beginPath();
    g.arc(left + (board.food[1] + 0.5) * cell, top + (board.food[0] + 0.5) * cell, cell * 0.32, 0, 2 * Math.PI);
    g.fill();
  }
  if (overlay.headline !== undefined) {
    g.fillStyle = 'rgba(255, 255, 255, 0.14)';
    g.font = `700 ${Math.round(size * 0.3)}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(overlay.headline, left + size / 2, top + size / 2);
  }
  if (overlay.caption !== undefined) {
    g.fillStyle = 'rgba(255, 255, 255, 0.75)';
    g.font = `${Math.max(11, Math.round(size * 0.035))}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'top';
    g.fillText(overlay.caption, left + size / 2, top + 6);
  }
  if (overlay.footnote !== undefined) {
    g.fillStyle = 'rgba(255, 255, 255, 0.6)';
    g.font = `${Math.max(10, Math.round(size * 0.03))}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'bottom';
    g.fillText(overlay.footnote, left + size / 2, top + size - 6, size - 12);
  }
}

/** The training display's renderer: the board alone. */
export const renderSnake: Renderer = (g, frame) => drawBoard(g, frame.obs, frame.width, frame.height);
