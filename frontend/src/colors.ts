// Run colours: a function of the run name only, so filtering runs or new runs appearing never recolour a run.

// Distinct hues of similar weight, readable on both the light and the dark background.
const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
  "#bcbd22", "#3949ab", "#00897b", "#f4511e", "#c2185b", "#7cb342", "#5e35b1", "#0288d1",
  "#ef6c00", "#6d4c41", "#d81b60", "#43a047",
];

/** FNV-1a over the UTF-16 code units: cheap, and spreads similar names (seed0, seed1) apart. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function runColor(run: string): string {
  return PALETTE[hash(run) % PALETTE.length];
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
