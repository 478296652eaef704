/**
 * What the display loop hands a renderer: one environment's observation row and last action, and the cell of the
 * canvas to draw it in (already translated: the renderer draws in [0, width] x [0, height], y down).
 */
export interface Frame {
  /** The environment's observation (length observationSize; player 0's view in a two-player game). */
  obs: Float32Array;
  /** The action just taken: an index (discrete) or the components (box); null before the first step. */
  action: number | Float32Array | null;
  width: number;
  height: number;
}

export type Renderer = (g: CanvasRenderingContext2D, frame: Frame) => void;

/** A filled arrow from (x, y) pointing along (dx, dy) (canvas units). */
export function arrow(g: CanvasRenderingContext2D, x: number, y: number, dx: number, dy: number, color: string): void {
  const length = Math.hypot(dx, dy);
  if (length < 1) return;
  const ux = dx / length;
  const uy = dy / length;
  const head = Math.min(8, length * 0.6);
  g.strokeStyle = color;
  g.fillStyle = color;
  g.lineWidth = 2.5;
  g.beginPath();
  g.moveTo(x, y);
  g.lineTo(x + dx - ux * head, y + dy - uy * head);
  g.stroke();
  g.beginPath();
  g.moveTo(x + dx, y + dy);
  g.lineTo(x + dx - ux * head - uy * head * 0.6, y + dy - uy * head + ux * head * 0.6);
  g.lineTo(x + dx - ux * head + uy * head * 0.6, y + dy - uy * head - ux * head * 0.6);
  g.closePath();
  g.fill();
}

export const ACTION_COLOR = '#d62728';

/**
 * A curved arrow around (cx, cy) of radius r, centred on the canvas angle `at` (radians, canvas convention: y
 * down, angles growing clockwise), sweeping `sweep` radians, turning counter-clockwise on screen or clockwise.
 */
export function turnArrow(g: CanvasRenderingContext2D, cx: number, cy: number, r: number, at: number, sweep: number, counterClockwise: boolean, color: string): void {
  const start = counterClockwise ? at + sweep / 2 : at - sweep / 2;
  const end = counterClockwise ? at - sweep / 2 : at + sweep / 2;
  g.strokeStyle = color;
  g.lineWidth = 2.5;
  g.beginPath();
  g.arc(cx, cy, r, start, end, counterClockwise);
  g.stroke();
  // Tangent at the end, in the direction of travel.
  const sign = counterClockwise ? -1 : 1;
  const tx = -Math.sin(end) * sign;
  const ty = Math.cos(end) * sign;
  arrow(g, cx + Math.cos(end) * r - tx * 4, cy + Math.sin(end) * r - ty * 4, tx * 8, ty * 8, color);
}
