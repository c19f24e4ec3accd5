// Turns an /api/scalars response into uPlot's column data: one shared x column, then a min and a max column per
// merged run (the band, drawn beneath every line), then a faint raw-value column per run, then a solid smoothed
// column per run (so every smoothed line is drawn above every raw line).

import uPlot from "uplot";
import type { ScalarsResponse } from "./api";
import { runColor } from "../../colors";

/** One run's points as drawn, kept for the tooltip. */
export interface RunLine {
  run: string;
  color: string;
  /** x of each point in the chart's units (step, seconds since start, or epoch seconds); ascending. */
  x: number[];
  step: number[];
  wallTime: number[];
  startTime: number;
  /** NaN and ±inf included: see `drawn`. For merged rank streams, the mean across ranks. */
  value: number[];
  smoothed: number[];
  /** Merged rank streams only: the ranks' lowest and highest value at each point, and how many logged it. */
  band?: { min: number[]; max: number[]; ranks: number[] };
}

interface PlotData {
  lines: RunLine[];
  /** The lines with a band, in the order of their (min, max) column pairs, which follow x. */
  banded: RunLine[];
  data: uPlot.AlignedData;
}

function xOf(response: ScalarsResponse, i: number): number[] {
  const s = response.series[i];
  switch (response.x) {
    case "step":
      return s.step;
    case "relative":
      return s.wall_time.map((t) => t - (s.start_time ?? 0)); // the server left out points without a time
    case "wall":
      return s.wall_time;
  }
}

/** Whether uPlot can place `v`: NaN, ±inf and (on a log axis) values <= 0 are drawn as gaps. */
const drawable = (v: number, logY: boolean) => Number.isFinite(v) && (!logY || v > 0);

/** A column as uPlot draws it: null, a gap, where the value is not drawable. */
const drawn = (values: number[], logY: boolean) => values.map((v) => (drawable(v, logY) ? v : null));

export function toPlotData(response: ScalarsResponse, logY: boolean): PlotData {
  const lines: RunLine[] = response.series.map((s, i) => ({
    run: s.run,
    color: runColor(s.run),
    x: xOf(response, i),
    step: s.step,
    wallTime: s.wall_time,
    startTime: s.start_time ?? NaN,
    value: s.value,
    smoothed: s.smoothed,
    band: s.min && s.max && s.ranks ? { min: s.min, max: s.max, ranks: s.ranks } : undefined,
  }));
  // uPlot.join merges the runs' x values into one column. Where a run has no point at some x it puts
  // `undefined`, which lines skip over, while `drawn`'s nulls (NaN/inf) stay null, which break lines (spanGaps
  // stays false). So runs logged at different steps draw continuous lines and NaNs still show as gaps.
  const tables = lines.map((l) => {
    const band = l.band ? [drawn(l.band.min, logY), drawn(l.band.max, logY)] : [];
    return [l.x, drawn(l.value, logY), drawn(l.smoothed, logY), ...band] as uPlot.AlignedData;
  });
  const joined = tables.length > 0 ? uPlot.join(tables) : [[]];
  const raw: uPlot.AlignedData[number][] = [];
  const smoothed: uPlot.AlignedData[number][] = [];
  const bands: uPlot.AlignedData[number][] = [];
  let at = 1;
  for (const l of lines) {
    raw.push(joined[at]);
    smoothed.push(joined[at + 1]);
    if (l.band) bands.push(joined[at + 2], joined[at + 3]);
    at += l.band ? 4 : 2;
  }
  const banded = lines.filter((l) => l.band);
  return { lines, banded, data: [joined[0], ...bands, ...raw, ...smoothed] as uPlot.AlignedData };
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The y range TensorBoard's "ignore outliers" shows: the 5th to 95th percentile of every drawn value (raw and
 * smoothed), padded by a fifth of its span on each side. Null when nothing finite is drawn.
 */
export function outlierRange(lines: RunLine[], logY: boolean): [number, number] | null {
  const values: number[] = [];
  for (const l of lines) {
    for (const column of [l.value, l.smoothed]) {
      for (const v of column) if (drawable(v, logY)) values.push(logY ? Math.log10(v) : v);
    }
  }
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const lo = quantile(sorted, 0.05);
  const hi = quantile(sorted, 0.95);
  const pad = (hi - lo) * 0.2;
  return logY ? [10 ** (lo - pad), 10 ** (hi + pad)] : [lo - pad, hi + pad];
}
