/**
 * Catch: fruit falls, the basket catches it. Written the way a small web game usually is — a class with pixel
 * coordinates, an update per frame that takes the player's input, and a draw method — and knowing nothing about
 * reinforcement learning. demos/games/catch/env.ts turns a batch of these into a training environment.
 *
 * A round drops FRUITS_PER_ROUND fruits one after another; each falls at a constant speed, drifting sideways and
 * bouncing off the side walls. A fruit that reaches the basket's line within reach of the basket is caught (+1),
 * otherwise it is missed (-1).
 */

export const FIELD_WIDTH = 320;
export const FIELD_HEIGHT = 400;
export const BASKET_Y = 380;
export const BASKET_HALF_WIDTH = 30;
export const BASKET_SPEED = 10;
export const FRUIT_RADIUS = 8;
export const FRUIT_FALL_SPEED = 10;
export const FRUIT_MAX_DRIFT = 1.5;
export const FRUITS_PER_ROUND = 5;

/** The player's input for one frame: -1 left, 0 stay, +1 right. */
export type Input = -1 | 0 | 1;

export type FrameEvent = 'none' | 'caught' | 'missed';

export class CatchGame {
  basketX = FIELD_WIDTH / 2;
  fruitX = 0;
  fruitY = 0;
  fruitDrift = 0;
  fruitsLeft = FRUITS_PER_ROUND;
  caught = 0;
  missed = 0;

  /** `random` returns numbers in [0, 1), like Math.random (the trainer passes a seeded one). */
  constructor(private readonly random: () => number = Math.random) {
    this.newRound();
  }

  newRound(): void {
    this.basketX = FIELD_WIDTH / 2;
    this.fruitsLeft = FRUITS_PER_ROUND;
    this.caught = 0;
    this.missed = 0;
    this.dropFruit();
  }

  get roundOver(): boolean {
    return this.fruitsLeft === 0;
  }

  private dropFruit(): void {
    this.fruitX = FRUIT_RADIUS + 12 + this.random() * (FIELD_WIDTH - 2 * (FRUIT_RADIUS + 12));
    this.fruitY = 0;
    this.fruitDrift = (this.random() * 2 - 1) * FRUIT_MAX_DRIFT;
  }

  /** One frame of the game. */
  update(input: Input): FrameEvent {
    this.basketX = Math.min(Math.max(this.basketX + input * BASKET_SPEED, BASKET_HALF_WIDTH), FIELD_WIDTH - BASKET_HALF_WIDTH);
    this.fruitX += this.fruitDrift;
    if (this.fruitX < FRUIT_RADIUS || this.fruitX > FIELD_WIDTH - FRUIT_RADIUS) {
      this.fruitDrift = -this.fruitDrift;
      this.fruitX = Math.min(Math.max(this.fruitX, FRUIT_RADIUS), FIELD_WIDTH - FRUIT_RADIUS);
    }
    this.fruitY += FRUIT_FALL_SPEED;
    if (this.fruitY < BASKET_Y) return 'none';
    const caught = Math.abs(this.fruitX - this.basketX) <= BASKET_HALF_WIDTH + FRUIT_RADIUS;
    if (caught) this.caught += 1;
    else this.missed += 1;
    this.fruitsLeft -= 1;
    if (!this.roundOver) this.dropFruit();
    return caught ? 'caught' : 'missed';
  }

  /** Draws the field into a width x height area of `g` (scaled to fit). */
  draw(g: CanvasRenderingContext2D, width: number, height: number): void {
    drawField(g, this, width, height);
  }
}

/** What the field shows: positions in pixels, and the round's tally where known. */
export interface FieldView {
  basketX: number;
  fruitX: number;
  fruitY: number;
  fruitsLeft: number;
  caught?: number;
  missed?: number;
}

export function drawField(g: CanvasRenderingContext2D, view: FieldView, width: number, height: number): void {
  const scale = Math.min(width / FIELD_WIDTH, height / FIELD_HEIGHT);
  g.save();
  g.translate((width - FIELD_WIDTH * scale) / 2, (height - FIELD_HEIGHT * scale) / 2);
  g.scale(scale, scale);
  g.fillStyle = '#eaf6ff';
  g.fillRect(0, 0, FIELD_WIDTH, FIELD_HEIGHT);
  g.fillStyle = '#e4572e';
  g.beginPath();
  g.arc(view.fruitX, view.fruitY, FRUIT_RADIUS, 0, 2 * Math.PI);
  g.fill();
  g.fillStyle = '#3a7d44';
  g.fillRect(view.fruitX - 1, view.fruitY - FRUIT_RADIUS - 5, 2, 5);
  g.fillStyle = '#8d6e63';
  g.fillRect(view.basketX - BASKET_HALF_WIDTH, BASKET_Y, 2 * BASKET_HALF_WIDTH, 12);
  g.fillStyle = '#333';
  g.font = '600 15px system-ui, sans-serif';
  g.textBaseline = 'bottom';
  const tally = view.caught === undefined ? '' : `caught ${view.caught} · missed ${view.missed ?? 0} · `;
  g.fillText(`${tally}fruits left ${view.fruitsLeft}`, 8, FIELD_HEIGHT - 2);
  g.restore();
}
