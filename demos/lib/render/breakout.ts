/**
 * MinAtar/Breakout-v1 as its 10x10 grid: the observation is MinAtar's state(), (y, x, channel) with channels
 * paddle, ball, trail, brick; each cell is drawn in the colour of its highest channel set, on a dark background,
 * and the action taken as an arrow under the paddle.
 */
import { ACTION_COLOR, arrow, type Renderer } from './types.js';

const GRID = 10;
const CHANNELS = 4;
/** Colours by channel: paddle, ball, trail, brick. */
const COLORS = ['#4c9be8', '#f2f2f2', '#8c6bb1', '#e8a33d'];
const BACKGROUND = '#1b1b24';

export const renderBreakout: Renderer = (g, { obs, action, width, height }) => {
  const cell = Math.floor(Math.min(width, height * 0.85) / GRID);
  const left = (width - cell * GRID) / 2;
  const top = (height * 0.85 - cell * GRID) / 2;
  g.fillStyle = BACKGROUND;
  g.fillRect(left, top, cell * GRID, cell * GRID);
  let paddle = -1;
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const base = (y * GRID + x) * CHANNELS;
      if (obs[base]! > 0.5) paddle = x;
      for (let c = CHANNELS - 1; c >= 0; c--) {
        if (obs[base + c]! > 0.5) {
          g.fillStyle = COLORS[c]!;
          g.fillRect(left + x * cell + 1, top + y * cell + 1, cell - 2, cell - 2);
          break;
        }
      }
    }
  }
  // 0 no-op, 1 left, 2 right.
  if (typeof action === 'number' && action !== 0 && paddle >= 0) {
    const direction = action === 1 ? -1 : 1;
    const cx = left + (paddle + 0.5) * cell;
    arrow(g, cx - direction * cell * 0.4, top + GRID * cell + cell * 0.6, direction * cell * 0.8, 0, ACTION_COLOR);
  }
};
