/**
 * A canvas drawn at the screen's pixel density: its backing store resized to its CSS size times devicePixelRatio
 * (only when that changed), and the context scaled so that drawing happens in CSS pixels.
 */
export function fitCanvas(canvas: HTMLCanvasElement, g: CanvasRenderingContext2D): { width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { width, height };
}
