/**
 * Acrobot-v1 as Gymnasium draws it: two 1 m links hanging from a fixed pivot (angles from straight down), and
 * the goal line 1 m above the pivot that the free end must reach. The observation holds cos/sin of both angles.
 */
import { ACTION_COLOR, turnArrow, type Renderer } from './types.js';

export const renderAcrobot: Renderer = (g, { obs, action, width, height }) => {
  const scale = Math.min(width, height) / 4.6;
  const pivotX = width / 2;
  const pivotY = height / 2;
  const theta1 = Math.atan2(obs[1]!, obs[0]!);
  const theta2 = Math.atan2(obs[3]!, obs[2]!);
  const x1 = pivotX + Math.sin(theta1) * scale;
  const y1 = pivotY + Math.cos(theta1) * scale;
  const x2 = x1 + Math.sin(theta1 + theta2) * scale;
  const y2 = y1 + Math.cos(theta1 + theta2) * scale;

  g.strokeStyle = '#2ca02c';
  g.setLineDash([6, 4]);
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(pivotX - 2.2 * scale, pivotY - scale);
  g.lineTo(pivotX + 2.2 * scale, pivotY - scale);
  g.stroke();
  g.setLineDash([]);

  g.lineCap = 'round';
  g.lineWidth = Math.max(5, 0.16 * scale);
  g.strokeStyle = '#0079a3';
  g.beginPath();
  g.moveTo(pivotX, pivotY);
  g.lineTo(x1, y1);
  g.lineTo(x2, y2);
  g.stroke();
  g.lineCap = 'butt';
  g.fillStyle = '#cccc00';
  for (const [x, y] of [
    [pivotX, pivotY],
    [x1, y1],
  ] as const) {
    g.beginPath();
    g.arc(x, y, Math.max(3, 0.06 * scale), 0, 2 * Math.PI);
    g.fill();
  }

  // Torque at the joint between the links: -1, 0 or +1 (+1 turns the second link counter-clockwise on screen).
  if (typeof action === 'number' && action !== 1) {
    const outward = Math.atan2(y2 - y1, x2 - x1);
    turnArrow(g, x1, y1, 0.3 * scale, outward, 1.4, action === 2, ACTION_COLOR);
  }
};
