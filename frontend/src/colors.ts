// Run colours: a run keeps its colour while the page shows it, and across reloads: the page remembers, per
// logdir, which colour each run got (in localStorage), so a run that appears later and sorts before older runs
// does not recolour them. A new run gets the first colour that no listed run has (when all are taken, the
// least used one, so colours cycle). Where localStorage is unavailable, colours last as long as the page.

// Distinct hues of similar weight (Tableau 10, then darker twins), readable on light and dark backgrounds.
const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#8c8c8c",
  "#1f4e79", "#b35c00", "#9e2a2b", "#2e6b2a", "#7a4b73", "#2f7d78", "#a68a00", "#c95f6b", "#6b4c3b", "#595959",
];

const STORAGE_KEY = "lightboard.colors";
/** Runs remembered per logdir (those listed most recently), and logdirs remembered (those shown most recently). */
const KEEP_RUNS = 300;
const KEEP_LOGDIRS = 20;

/** What localStorage holds: per logdir, least recently shown first, its runs' palette indices, least recently
 * listed first. */
type Remembered = [logdir: string, runs: [run: string, index: number][]][];

/** run -> palette index, as this page draws them. */
const assigned = new Map<string, number>();
/** The runs last listed: a colour is free when none of them has it. */
let listed: readonly string[] = [];

/** The least used palette index by `uses` (the first unused one while there is one); counts it as used. */
function takeColor(uses: number[]): number {
  const index = uses.indexOf(Math.min(...uses));
  uses[index]++;
  return index;
}

/** How many of `runs` have each palette index. */
function usesAmong(runs: readonly string[]): number[] {
  const uses = PALETTE.map(() => 0);
  for (const run of runs) {
    const index = assigned.get(run);
    if (index !== undefined) uses[index]++;
  }
  return uses;
}

const isLogdir = (entry: unknown): entry is [string, unknown[]] =>
  Array.isArray(entry) && typeof entry[0] === "string" && Array.isArray(entry[1]);

const isRun = (entry: unknown): entry is [string, number] =>
  Array.isArray(entry) &&
  typeof entry[0] === "string" &&
  Number.isInteger(entry[1]) &&
  entry[1] >= 0 &&
  entry[1] < PALETTE.length;

/** The remembered colours ([] when none or unreadable), or null when localStorage cannot be used. */
function load(): Remembered | null {
  let text: string | null;
  try {
    text = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(isLogdir).map(([logdir, runs]) => [logdir, runs.filter(isRun)]);
  } catch {
    return [];
  }
}

/**
 * Colours `runs`, the listing of `logdir`: each keeps the colour it has on this page, else gets the one
 * remembered for it, else the first free one; then remembers them (most recent first to stay).
 */
export function assignColors(logdir: string, runs: readonly string[]): void {
  listed = runs;
  const stored = load();
  const previous = stored?.find(([dir]) => dir === logdir)?.[1] ?? [];
  const remembered = new Map(previous);
  for (const run of runs) {
    const index = remembered.get(run);
    if (index !== undefined && !assigned.has(run)) assigned.set(run, index);
  }
  const uses = usesAmong(runs);
  for (const run of runs) if (!assigned.has(run)) assigned.set(run, takeColor(uses));
  if (stored === null) return;

  const names = new Set(runs);
  const kept: [string, number][] = previous.filter(([run]) => !names.has(run));
  for (const run of runs) kept.push([run, assigned.get(run) as number]);
  const logdirs = stored.filter(([dir]) => dir !== logdir);
  logdirs.push([logdir, kept.slice(-Math.max(KEEP_RUNS, runs.length))]);
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(logdirs.slice(-KEEP_LOGDIRS)));
  } catch {
    // Full or blocked: the colours still hold on this page.
  }
}

export function runColor(run: string): string {
  let index = assigned.get(run);
  if (index === undefined) {
    index = takeColor(usesAmong(listed));
    assigned.set(run, index);
  }
  return PALETTE[index];
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
