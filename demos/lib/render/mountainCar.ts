/**
 * MountainCar-v0 and MountainCarContinuous-v0 as Gymnasium draws them: the hill y = sin(3x)·0.45 + 0.55 over
 * x in [-1.2, 0.6], the car on it, tilted with the slope, and the flag at the goal.
 */
import { ACTION_COLOR, arrow, type Renderer } from './types.js';

const MIN_X = -1.2;
const MAX_X = 0.6;
const hill = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;

function renderMountainCar(goal: number): Renderer {
  return (g, { obs, action, width, height }) => {
    const scale = Math.min(width / (MAX_X - MIN_X), height / 1.25);
    const left = (width - (MAX_X - MIN_X) * scale) / 2;
    const bottom = height - 0.1 * scale;
    const sx = (x: number) => left + (x - MIN_X) * scale;
    const sy = (y: number) => bottom - y * scale;

    g.fillStyle = '#e9e4d4';
    g.strokeStyle = '#555';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(sx(MIN_X), sy(0));
    for (let i = 0; i <= 100; i++) {
      const x = MIN_X + ((MAX_X - MIN_X) * i) / 100;
      g.lineTo(sx(x), sy(hill(x)));
    }
    g.lineTo(sx(MAX_X), sy(0));
    g.closePath();
    g.fill();
    g.beginPath();
    for (let i = 0; i <= 100; i++) {
      const x = MIN_X + ((MAX_X - MIN_X) * i) / 100;
      if (i === 0) g.moveTo(sx(x), sy(hill(x)));
      else g.lineTo(sx(x), sy(hill(x)));
    }
    g.stroke();

    const flagX = sx(goal);
    const flagY = sy(hill(goal));
    g.strokeStyle = '#333';
    g.beginPath();
    g.moveTo(flagX, flagY);
    g.lineTo(flagX, flagY - 0.2 * scale);
    g.stroke();
    g.fillStyle = '#cccc00';
    g.beginPath();
    g.moveTo(flagX, flagY - 0.2 * scale);
    g.lineTo(flagX + 0.1 * scale, flagY - 0.17 * scale);
    g.lineTo(flagX, flagY - 0.14 * scale);
    g.fill();

    const position = obs[0]!;
    const angle = Math.atan(3 * 0.45 * Math.cos(3 * position));
    const carW = 0.2 * scale;
    const carH = 0.1 * scale;
    g.save();
    g.translate(sx(position), sy(hill(position)));
    g.rotate(-angle);
    g.fillStyle = '#333';
    g.fillRect(-carW / 2, -carH - 0.03 * scale, carW, carH);
    g.fillStyle = '#777';
    for (const wx of [-carW / 3, carW / 3]) {
      g.beginPath();
      g.arc(wx, -0.03 * scale, 0.03 * scale, 0, 2 * Math.PI);
      g.fill();
    }
    // Push: discrete 0 left, 1 none, 2 right; continuous force in [-1, 1].
    const push = typeof action === 'number' ? action - 1 : action ? Math.max(-1, Math.min(1, action[0]!)) : 0;
    if (Math.abs(push) > 0.02) arrow(g, push * (carW / 2 + 2), -carH / 2 - 0.03 * scale, push * 0.15 * scale, 0, ACTION_COLOR);
    g.restore();
  };
}

export const renderMountainCarDiscrete = renderMountainCar(0.5);
export const renderMountainCarContinuous = renderMountainCar(0.45);
