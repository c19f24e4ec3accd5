// Scales and axes of a chart: x as steps, relative time or wall-clock dates; y linear or log.

import uPlot from "uplot";
import type { XAxis } from "../../settings";
import { DURATION_INCREMENTS, formatDuration, formatStepTick, formatValue } from "../../format";

/** Canvas colours, read from the page's CSS variables so the charts follow the light/dark theme. */
export interface Theme {
  axis: string;
  grid: string;
}

export function currentTheme(): Theme {
  const css = getComputedStyle(document.documentElement);
  return {
    axis: css.getPropertyValue("--chart-axis").trim() || "#555",
    grid: css.getPropertyValue("--chart-grid").trim() || "#e5e5e5",
  };
}

const FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** y-axis width from its longest label (about 6.5 px per character at 11 px). */
const labelWidth: uPlot.Axis.Size = (_u, values) =>
  values ? Math.max(32, 14 + 6.5 * Math.max(...values.map((v) => v.length))) : 32;

/** A round tick spacing (1, 2 or 5 × 10^k) near `rough`. */
function niceStep(rough: number): number {
  const mag = 10 ** Math.floor(Math.log10(rough));
  const r = rough / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

/**
 * Ticks for a log axis: decades first, then 5×, 2× and the other multiples of each, each kept only where it is at
 * least 18 px from those already kept; evenly spaced round values when the range is too narrow for three.
 */
const logSplits: uPlot.Axis.Splits = (u, _axis, min, max) => {
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const minGap = (18 / (u.bbox.height / devicePixelRatio || 200)) * (hi - lo);
  const kept: number[] = [];
  for (const m of [1, 5, 2, 3, 4, 6, 7, 8, 9]) {
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      const v = Number((m * 10 ** k).toPrecision(12));
      const at = Math.log10(v);
      if (v >= min && v <= max && kept.every((t) => Math.abs(Math.log10(t) - at) >= minGap)) kept.push(v);
    }
  }
  if (kept.length >= 3) return kept.sort((a, b) => a - b);
  const step = niceStep((max - min) / 4);
  const linear: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) linear.push(Number(v.toPrecision(12)));
  return linear;
};

/**
 * The y range: the drawn data's min..max (or `fixed`, the outlier-free range, when given) padded by 5% of the
 * span, in decades on a log axis.
 */
/** Whether `[min, max]` is a constant up to rounding (a smoothed constant differs from itself in its last bits):
 * a span that narrow would ask the axis for millions of ticks. */
const flat = (min: number, max: number) => max - min <= Math.max(Math.abs(min), Math.abs(max)) * 1e-12;

function yRange(logY: boolean, fixed: () => [number, number] | null): uPlot.Range.Function {
  return (_u, dataMin, dataMax) => {
    const [min, max] = fixed() ?? [dataMin, dataMax];
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return logY ? [1, 10] : [0, 1];
    if (logY) {
      const lo = Math.log10(min);
      const hi = Math.log10(max);
      const pad = flat(lo, hi) ? 0.05 : (hi - lo) * 0.05;
      return [10 ** (lo - pad), 10 ** (hi + pad)];
    }
    const span = flat(min, max) ? Math.abs(max) * 0.1 || 1 : max - min;
    return [min - span * 0.05, max + span * 0.05];
  };
}

export function scalesAndAxes(
  x: XAxis,
  logY: boolean,
  theme: Theme,
  fixedY: () => [number, number] | null,
): Pick<uPlot.Options, "scales" | "axes"> {
  const common: uPlot.Axis = {
    stroke: theme.axis,
    font: FONT,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1, size: 4 },
  };
  const xAxis: uPlot.Axis =
    x === "step"
      ? { ...common, size: 34, space: 60, values: (_u, splits) => splits.map(formatStepTick) }
      : x === "relative"
        ? { ...common, size: 34, space: 70, incrs: DURATION_INCREMENTS, values: (_u, splits) => splits.map(formatDuration) }
        : { ...common, size: 48, space: 90 };
  const yAxis: uPlot.Axis = { ...common, size: labelWidth, values: (_u, splits) => splits.map(formatValue) };
  if (logY) Object.assign(yAxis, { splits: logSplits, filter: (_u: uPlot, splits: number[]) => splits });
  return {
    scales: {
      x: { time: x === "wall" },
      y: logY ? { distr: 3, log: 10, range: yRange(true, fixedY) } : { range: yRange(false, fixedY) },
    },
    axes: [xAxis, yAxis],
  };
}
