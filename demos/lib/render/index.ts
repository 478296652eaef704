/** The renderer of each built-in environment, by id. */
import { renderAcrobot } from './acrobot.js';
import { renderBreakout } from './breakout.js';
import { renderCartPole } from './cartpole.js';
import { renderMountainCarContinuous, renderMountainCarDiscrete } from './mountainCar.js';
import { renderPendulum } from './pendulum.js';
import type { Renderer } from './types.js';

export const RENDERERS: Record<string, Renderer> = {
  'CartPole-v1': renderCartPole,
  'Acrobot-v1': renderAcrobot,
  'MountainCar-v0': renderMountainCarDiscrete,
  'MountainCarContinuous-v0': renderMountainCarContinuous,
  'Pendulum-v1': renderPendulum,
  'MinAtar/Breakout-v1': renderBreakout,
};

export type { Frame, Renderer } from './types.js';
