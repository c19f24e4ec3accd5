// Run colours: a run keeps the colour it got when the page first saw it, so filtering runs or new runs
// appearing never recolour a run. The run list hands the runs over sorted, so a reload of the same logdir
// gives the same colours, and the first runs get clearly different ones.

// Distinct hues of similar weight (Tableau 10, then darker twins), readable on light and dark backgrounds.
const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#8c8c8c",
  "#1f4e79", "#b35c00", "#9e2a2b", "#2e6b2a", "#7a4b73", "#2f7d78", "#a68a00", "#c95f6b", "#6b4c3b", "#595959",
];

const assigned = new Map<string, string>();

export function runColor(run: string): string {
  let colour = assigned.get(run);
  if (colour === undefined) {
    colour = PALETTE[assigned.size % PALETTE.length];
    assigned.set(run, colour);
  }
  return colour;
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
