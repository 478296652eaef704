/**
 * Drawing Pong-v0 from player 0's observation row, the court turned by 90 degrees so that the paddles face each
 * other left and right: court (x, y) is drawn at (1 - y, x) of the square, so player 0 (the bottom of the rules'
 * court) is the left paddle, player 1 (the top) the right one, and the side walls (x = 0 and x = 1) run along the
 * top and the bottom. A turn, not a mirror: player 0's "left" (action 0, x decreasing) moves its paddle up.
 * One function for the big court of the game and the small ones of the training display.
 */
import { PONG_BALL_RADIUS, PONG_MAX_SPEED, PONG_PADDLE_HALF_WIDTH, PONG_PADDLE_Y } from '../../../src/index.js';
import type { Renderer } from '../../lib/render/types.js';

/** The court in its own coordinates (unit square), from player 0's observation row (undoing its scaling). */
export interface PongCourt {
  ballX: number;
  ballY: number;
  ballVx: number;
  ballVy: number;
  /** Player 0's paddle (the left one on screen) and player 1's (the right one), court x of their centres. */
  paddle0: number;
  paddle1: number;
}

export function courtFromObservation(obs: ArrayLike<number>): PongCourt {
  return {
    ballX: (obs[0]! + 1) / 2,
    ballY: (obs[1]! + 1) / 2,
    ballVx: obs[2]! * PONG_MAX_SPEED,
    ballVy: obs[3]! * PONG_MAX_SPEED,
    paddle0: (obs[4]! + 1) / 2,
    paddle1: (obs[5]! + 1) / 2,
  };
}

export interface PongOverlay {
  /** Large text in the middle, e.g. the points "3 : 5". */
  headline?: string;
  /** A smaller line under it. */
  caption?: string;
  /** A small line near the top wall. */
  footnote?: string;
  /** Earlier ball positions (court coordinates), oldest first. */
  trail?: { x: number; y: number }[];
  /** Colours of the left (player 0) and right (player 1) paddles. */
  leftColor?: string;
  rightColor?: string;
}

const PADDLE_DEPTH = 0.02;

export function drawPong(g: CanvasRenderingContext2D, obs: ArrayLike<number>, width: number, height: number, overlay: PongOverlay = {}): void {
  const size = Math.min(width, height);
  const left = (width - size) / 2;
  const top = (height - size) / 2;
  const wall = Math.max(3, size * 0.012);
  // Court (x, y) -> screen: x along the screen's y, y against the screen's x.
  const sx = (y: number) => left + (1 - y) * size;
  const sy = (x: number) => top + x * size;
  const court = courtFromObservation(obs);

  g.fillStyle = '#0f1b2d';
  g.fillRect(left, top, size, size);
  g.fillStyle = '#7aa2d6';
  g.fillRect(left, top, size, wall);
  g.fillRect(left, top + size - wall, size, wall);
  g.strokeStyle = 'rgba(255, 255, 255, 0.18)';
  g.lineWidth = Math.max(1, size * 0.004);
  g.setLineDash([size * 0.02, size * 0.02]);
  g.beginPath();
  g.moveTo(left + size / 2, top + wall);
  g.lineTo(left + size / 2, top + size - wall);
  g.stroke();
  g.setLineDash([]);

  g.textAlign = 'center';
  if (overlay.headline !== undefined) {
    g.fillStyle = 'rgba(255, 255, 255, 0.16)';
    g.font = `700 ${Math.round(size * 0.16)}px system-ui, sans-serif`;
    g.textBaseline = 'middle';
    g.fillText(overlay.headline, left + size / 2, top + size * 0.4);
  }
  if (overlay.caption) {
    g.font = `500 ${Math.round(size * 0.036)}px system-ui, sans-serif`;
    g.fillStyle = 'rgba(255, 255, 255, 0.55)';
    g.textBaseline = 'middle';
    g.fillText(overlay.caption, left + size / 2, top + size * 0.55);
  }
  if (overlay.footnote) {
    g.font = `${Math.max(11, Math.round(size * 0.026))}px system-ui, sans-serif`;
    g.fillStyle = 'rgba(255, 255, 255, 0.6)';
    g.textBaseline = 'top';
    g.fillText(overlay.footnote, left + size / 2, top + wall * 3, size - wall * 6);
  }
  g.textAlign = 'left';

  const trail = overlay.trail ?? [];
  trail.forEach((point, i) => {
    g.fillStyle = `rgba(255, 214, 102, ${(0.35 * (i + 1)) / trail.length})`;
    g.beginPath();
    g.arc(sx(point.y), sy(point.x), PONG_BALL_RADIUS * size * 0.8, 0, 2 * Math.PI);
    g.fill();
  });
  // Faster balls glow warmer.
  const heat = Math.min(1, Math.hypot(court.ballVx, court.ballVy) / PONG_MAX_SPEED);
  g.fillStyle = `rgb(255, ${Math.round(230 - 120 * heat)}, ${Math.round(120 - 100 * heat)})`;
  g.beginPath();
  g.arc(sx(court.ballY), sy(court.ballX), PONG_BALL_RADIUS * size, 0, 2 * Math.PI);
  g.fill();

  // Each paddle's face is on its line (y = PADDLE_Y for player 0, 1 - PADDLE_Y for player 1), its body behind it.
  const length = 2 * PONG_PADDLE_HALF_WIDTH * size;
  g.fillStyle = overlay.leftColor ?? '#e8eef8';
  g.fillRect(sx(PONG_PADDLE_Y + PADDLE_DEPTH), sy(court.paddle0 - PONG_PADDLE_HALF_WIDTH), PADDLE_DEPTH * size, length);
  g.fillStyle = overlay.rightColor ?? '#e8eef8';
  g.fillRect(sx(1 - PONG_PADDLE_Y), sy(court.paddle1 - PONG_PADDLE_HALF_WIDTH), PADDLE_DEPTH * size, length);
}

/** The small courts of the training display (the policy in training plays both paddles). */
export const renderPong: Renderer = (g, { obs, width, height }) => drawPong(g, obs, width, height);
