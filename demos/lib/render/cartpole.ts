/** CartPole-v1 as Gymnasium draws it: the track, the cart at x in [-2.4, 2.4], the 1 m pole at angle theta. */
import { ACTION_COLOR, arrow, type Renderer } from './types.js';

const X_LIMIT = 2.4;
const POLE_LENGTH = 1.0;

export const renderCartPole: Renderer = (g, { obs, action, width, height }) => {
  const scale = width / (2 * X_LIMIT + 0.6);
  const centerX = width / 2;
  const trackY = height * 0.72;
  const x = obs[0]!;
  const theta = obs[2]!;
  const cartW = 0.4 * scale;
  const cartH = 0.24 * scale;
  const cartX = centerX + x * scale;

  g.strokeStyle = '#999';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(centerX - X_LIMIT * scale, trackY);
  g.lineTo(centerX + X_LIMIT * scale, trackY);
  g.stroke();
  for (const edge of [-X_LIMIT, X_LIMIT]) {
    g.beginPath();
    g.moveTo(centerX + edge * scale, trackY - 6);
    g.lineTo(centerX + edge * scale, trackY + 6);
    g.stroke();
  }

  g.fillStyle = '#333';
  g.fillRect(cartX - cartW / 2, trackY - cartH / 2, cartW, cartH);
  const axleY = trackY - cartH / 4;
  g.strokeStyle = '#ca9865';
  g.lineWidth = Math.max(4, 0.08 * scale);
  g.lineCap = 'round';
  g.beginPath();
  g.moveTo(cartX, axleY);
  g.lineTo(cartX + Math.sin(theta) * POLE_LENGTH * scale, axleY - Math.cos(theta) * POLE_LENGTH * scale);
  g.stroke();
  g.lineCap = 'butt';
  g.fillStyle = '#8184cb';
  g.beginPath();
  g.arc(cartX, axleY, Math.max(3, 0.04 * scale), 0, 2 * Math.PI);
  g.fill();

  if (typeof action === 'number') {
    const direction = action === 1 ? 1 : -1;
    arrow(g, cartX + direction * (cartW / 2 + 2), trackY, direction * 0.25 * scale, 0, ACTION_COLOR);
  }
};
