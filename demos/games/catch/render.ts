/** Catch-v0 drawn from an observation row (the adapter's scaling undone) with the game's own field drawing. */
import type { Renderer } from '../../lib/render/types.js';
import { drawField, FIELD_HEIGHT, FIELD_WIDTH, FRUITS_PER_ROUND } from './game.js';

export const renderCatch: Renderer = (g, { obs, width, height }) =>
  drawField(
    g,
    {
      fruitX: ((obs[0]! + 1) / 2) * FIELD_WIDTH,
      fruitY: ((obs[1]! + 1) / 2) * FIELD_HEIGHT,
      basketX: ((obs[3]! + 1) / 2) * FIELD_WIDTH,
      fruitsLeft: Math.round(obs[5]! * FRUITS_PER_ROUND),
    },
    width,
    height,
  );
