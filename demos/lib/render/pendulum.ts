/**
 * Pendulum-v1 as Gymnasium draws it: a 1 m rod from a pivot, angle 0 upright (the goal), and the applied torque
 * as an arc whose length grows with |u| (at most 2).
 */
import { ACTION_COLOR, turnArrow, type Renderer } from './types.js';

export const renderPendulum: Renderer = (g, { obs, action, width, height }) => {
  const scale = Math.min(width, height) / 2.6;
  const cx = width / 2;
  const cy = height / 2;
  const theta = Math.atan2(obs[1]!, obs[0]!);
  const tipX = cx - Math.sin(theta) * scale;
  const tipY = cy - Math.cos(theta) * scale;

  g.strokeStyle = '#ddd';
  g.lineWidth = 1;
  g.setLineDash([4, 4]);
  g.beginPath();
  g.moveTo(cx, cy);
  g.lineTo(cx, cy - scale);
  g.stroke();
  g.setLineDash([]);

  g.lineCap = 'round';
  g.strokeStyle = '#cc4c4c';
  g.lineWidth = Math.max(6, 0.2 * scale);
  g.beginPath();
  g.moveTo(cx, cy);
  g.lineTo(tipX, tipY);
  g.stroke();
  g.lineCap = 'butt';
  g.fillStyle = '#333';
  g.beginPath();
  g.arc(cx, cy, Math.max(3, 0.05 * scale), 0, 2 * Math.PI);
  g.fill();

  // Positive torque turns the rod counter-clockwise on screen (theta grows), as in Gymnasium.
  const torque = action instanceof Float32Array ? Math.max(-2, Math.min(2, action[0]!)) : 0;
  if (Math.abs(torque) > 0.05) turnArrow(g, cx, cy, 0.35 * scale, -Math.PI / 2, (Math.abs(torque) / 2) * Math.PI, torque > 0, ACTION_COLOR);
};
