/**
 * Drawing Squash-v0: the court (three walls, open at the bottom), the paddle, the ball with a short trail, from an
 * observation row (courtFromObservation undoes the observation's scaling). One function for the big court of the
 * game and the small ones of the training display.
 */
import type { Renderer } from '../../lib/render/types.js';
import { BALL_RADIUS, courtFromObservation, MAX_SPEED, PADDLE_HALF_WIDTH, PADDLE_Y } from './rules.js';

export interface CourtOverlay {
  /** Large text in the court's upper half, e.g. the rally's score. */
  headline?: string;
  /** A smaller line under it. */
  caption?: string;
  /** A small line near the top wall. */
  footnote?: string;
  /** Earlier ball positions (court units), oldest first. */
  trail?: { x: number; y: number }[];
  paddleColor?: string;
}

export function drawCourt(g: CanvasRenderingContext2D, obs: ArrayLike<number>, width: number, height: number, overlay: CourtOverlay = {}): void {
  const size = Math.min(width, height);
  const left = (width - size) / 2;
  const top = (height - size) / 2;
  const wall = Math.max(3, size * 0.012);
  const sx = (x: number) => left + x * size;
  const sy = (y: number) => top + y * size;
  const court = courtFromObservation(obs);

  g.fillStyle = '#0f1b2d';
  g.fillRect(left, top, size, size);
  g.fillStyle = '#7aa2d6';
  g.fillRect(left, top, size, wall);
  g.fillRect(left, top, wall, size);
  g.fillRect(left + size - wall, top, wall, size);

  if (overlay.headline !== undefined) {
    g.fillStyle = 'rgba(255, 255, 255, 0.16)';
    g.font = `700 ${Math.round(size * 0.22)}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(overlay.headline, left + size / 2, top + size * 0.38);
    if (overlay.caption) {
      g.font = `500 ${Math.round(size * 0.04)}px system-ui, sans-serif`;
      g.fillStyle = 'rgba(255, 255, 255, 0.55)';
      g.fillText(overlay.caption, left + size / 2, top + size * 0.55);
    }
    g.textAlign = 'left';
  }
  if (overlay.footnote) {
    g.font = `${Math.max(11, Math.round(size * 0.026))}px system-ui, sans-serif`;
    g.fillStyle = 'rgba(255, 255, 255, 0.6)';
    g.textBaseline = 'top';
    g.fillText(overlay.footnote, left + wall * 3, top + wall * 3, size - wall * 6);
  }

  const trail = overlay.trail ?? [];
  trail.forEach((point, i) => {
    g.fillStyle = `rgba(255, 214, 102, ${(0.35 * (i + 1)) / trail.length})`;
    g.beginPath();
    g.arc(sx(point.x), sy(point.y), BALL_RADIUS * size * 0.8, 0, 2 * Math.PI);
    g.fill();
  });
  // Faster balls glow warmer.
  const heat = Math.min(1, court.speed / MAX_SPEED);
  g.fillStyle = `rgb(255, ${Math.round(230 - 120 * heat)}, ${Math.round(120 - 100 * heat)})`;
  g.beginPath();
  g.arc(sx(court.ballX), sy(court.ballY), BALL_RADIUS * size, 0, 2 * Math.PI);
  g.fill();

  g.fillStyle = overlay.paddleColor ?? '#e8eef8';
  const paddleH = Math.max(4, size * 0.02);
  g.fillRect(sx(court.paddleX - PADDLE_HALF_WIDTH), sy(PADDLE_Y), PADDLE_HALF_WIDTH * 2 * size, paddleH);
}

/** The small courts of the training display. */
export const renderSquash: Renderer = (g, { obs, width, height }) => drawCourt(g, obs, width, height);
