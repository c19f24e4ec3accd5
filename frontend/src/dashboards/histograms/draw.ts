// Drawing histograms on a canvas: offset (a ridge per step, stacked by step, relative or wall time), overlay (every
// step on one axis, older ones fainter), heatmap (step x value, colour = share of the step's count) and runs (one
// histogram per run overlaid). Each draw returns a hit test from a canvas position to the histogram and bucket
// under it.

import { withAlpha } from "../../colors";
import { formatDate, formatDuration, formatStepTick, formatValue } from "../../format";
import { bucketAt, ticks, type Edges, type HistogramPoint } from "./rebin";

export type Mode = "offset" | "overlay" | "heatmap" | "runs";
export type Axis = "step" | "relative" | "wall";

/** One histogram to draw: its run, colour, point and finite buckets, and its counts on the common grid. */
export interface Drawn {
  run: string;
  color: string;
  point: HistogramPoint;
  buckets: Edges[];
  counts: Float64Array;
}

export interface Scene {
  mode: Mode;
  axis: Axis;
  /** Oldest first (offset, overlay, heatmap: one run's steps; runs: one per run). */
  items: Drawn[];
  lo: number;
  hi: number;
  bins: number;
}

/** What is under the cursor: a histogram, and the bucket of it holding the value there (null: none does). */
export interface Hit {
  item: Drawn;
  bucket: Edges | null;
  value: number;
}

export type HitTest = (x: number, y: number) => Hit | null;

const MARGIN = { left: 8, right: 58, top: 8, bottom: 22 };

interface Theme {
  fg: string;
  muted: string;
  panel: string;
  grid: string;
}

function theme(): Theme {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { fg: read("--fg", "#1f2328"), muted: read("--muted", "#656d76"), panel: read("--panel", "#ffffff"), grid: read("--border", "#d9dee3") };
}

/** The time of `point` on `axis` (relative: seconds since `start`). */
export function timeOf(point: HistogramPoint, axis: Axis, start: number): number {
  return axis === "step" ? point.step : axis === "relative" ? point.wall_time - start : point.wall_time;
}

function formatTime(v: number, axis: Axis): string {
  return axis === "step" ? formatStepTick(v) : axis === "relative" ? formatDuration(v) : formatDate(v).slice(11);
}

/** Sizes `canvas` to its box at the screen's pixel density; returns its CSS size and a context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const width = Math.max(50, canvas.clientWidth);
  const height = Math.max(50, canvas.clientHeight);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser cannot draw on a canvas");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  return { ctx, width, height };
}

export function draw(canvas: HTMLCanvasElement, scene: Scene, highlight: Drawn | null): HitTest {
  const { ctx, width, height } = prepare(canvas);
  const t = theme();
  const plot = { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const { lo, hi } = scene;
  const xOf = (v: number) => plot.x + ((v - lo) / (hi - lo)) * plot.w;
  const valueAt = (x: number) => lo + ((x - plot.x) / plot.w) * (hi - lo);
  const vertical = scene.mode === "heatmap";
  // The value axis: along the bottom, or (heatmap) up the right side.
  ctx.fillStyle = t.muted;
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  if (!vertical) {
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of ticks(lo, hi, Math.max(2, Math.floor(plot.w / 80)))) {
      ctx.fillText(formatValue(v), xOf(v), plot.y + plot.h + 5);
      ctx.beginPath();
      ctx.moveTo(Math.round(xOf(v)) + 0.5, plot.y + plot.h);
      ctx.lineTo(Math.round(xOf(v)) + 0.5, plot.y + plot.h + 3);
      ctx.stroke();
    }
  }
  const bucketOf = (item: Drawn, value: number): Hit => {
    const i = bucketAt(item.buckets, value);
    return { item, bucket: i >= 0 ? item.buckets[i] : null, value };
  };
  const inside = (x: number, y: number) => x >= plot.x && x <= plot.x + plot.w && y >= plot.y - 4 && y <= plot.y + plot.h + 4;
  switch (scene.mode) {
    case "offset":
      return offset(ctx, scene, plot, t, xOf, highlight, (x, y, item) => (inside(x, y) && item ? bucketOf(item, valueAt(x)) : null));
    case "overlay":
    case "runs":
      return overlay(ctx, scene, plot, xOf, highlight, (x, item) => bucketOf(item, valueAt(x)), inside);
    case "heatmap":
      return heatmap(ctx, scene, plot, t, bucketOf, inside);
  }
}

type Box = { x: number; y: number; w: number; h: number };

function offset(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  plot: Box,
  t: Theme,
  xOf: (v: number) => number,
  highlight: Drawn | null,
  hit: (x: number, y: number, item: Drawn | undefined) => Hit | null,
): HitTest {
  const { items, axis, lo, hi, bins } = scene;
  const start = items.length ? items[0].point.wall_time : 0;
  const times = items.map((item) => timeOf(item.point, axis, start));
  const tMin = Math.min(...times);
  const tMax = Math.max(...times);
  const ridge = plot.h * 0.35;
  const baseOf = (time: number) => plot.y + ridge + (tMax > tMin ? ((time - tMin) / (tMax - tMin)) * (plot.h - ridge) : plot.h - ridge);
  let peak = 0;
  for (const item of items) for (const c of item.counts) peak = Math.max(peak, c);
  const bases = times.map(baseOf);
  const binWidth = (hi - lo) / bins;
  // The time axis on the right.
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillStyle = t.muted;
  for (const v of ticks(tMin, tMax, Math.max(2, Math.floor((plot.h - ridge) / 40)))) {
    ctx.fillText(formatTime(v, axis), plot.x + plot.w + 6, baseOf(v));
  }
  items.forEach((item, i) => {
    const base = bases[i];
    const age = items.length > 1 ? i / (items.length - 1) : 1;
    ctx.beginPath();
    ctx.moveTo(xOf(lo), base);
    item.counts.forEach((c, b) => ctx.lineTo(xOf(lo + (b + 0.5) * binWidth), base - (peak ? (c / peak) * ridge : 0)));
    ctx.lineTo(xOf(hi), base);
    ctx.closePath();
    ctx.fillStyle = t.panel;
    ctx.fill();
    ctx.fillStyle = withAlpha(item.color, 0.1 + 0.25 * age);
    ctx.fill();
    ctx.strokeStyle = item === highlight ? t.fg : withAlpha(item.color, 0.35 + 0.65 * age);
    ctx.lineWidth = item === highlight ? 2 : 1;
    ctx.stroke();
  });
  return (x, y) => {
    // The ridge whose baseline is nearest below the cursor (a ridge rises above its baseline).
    let best = -1;
    for (let i = 0; i < bases.length; i++) {
      if (bases[i] >= y - 2 && (best < 0 || bases[i] < bases[best])) best = i;
    }
    if (best < 0) best = bases.length - 1;
    return hit(x, y, items[best]);
  };
}

function overlay(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  plot: Box,
  xOf: (v: number) => number,
  highlight: Drawn | null,
  hit: (x: number, item: Drawn) => Hit,
  inside: (x: number, y: number) => boolean,
): HitTest {
  const { items, lo, hi, bins } = scene;
  const binWidth = (hi - lo) / bins;
  let peak = 0;
  for (const item of items) for (const c of item.counts) peak = Math.max(peak, c);
  const yOf = (c: number) => plot.y + plot.h - (peak ? (c / peak) * plot.h : 0);
  items.forEach((item, i) => {
    const age = items.length > 1 ? i / (items.length - 1) : 1;
    ctx.beginPath();
    item.counts.forEach((c, b) => {
      const x = xOf(lo + (b + 0.5) * binWidth);
      if (b === 0) ctx.moveTo(x, yOf(c));
      else ctx.lineTo(x, yOf(c));
    });
    const alpha = scene.mode === "runs" ? 1 : 0.15 + 0.85 * age;
    ctx.strokeStyle = withAlpha(item.color, item === highlight ? 1 : alpha);
    ctx.lineWidth = item === highlight ? 2.5 : scene.mode === "runs" ? 1.5 : 1;
    ctx.stroke();
  });
  return (x, y) => {
    if (!inside(x, y) || items.length === 0) return null;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((x - plot.x) / plot.w) * bins)));
    let best = items[items.length - 1];
    let distance = Infinity;
    for (const item of items) {
      const d = Math.abs(yOf(item.counts[b]) - y);
      if (d < distance) [best, distance] = [item, d];
    }
    return hit(x, best);
  };
}

/** Colour ramp for the heatmap (light to dark, readable on either theme): share 0 is transparent. */
const RAMP: [number, number, number][] = [
  [253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84],
];

function rampAt(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i], RAMP[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

function heatmap(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  plot: Box,
  t: Theme,
  hit: (item: Drawn, value: number) => Hit,
  inside: (x: number, y: number) => boolean,
): HitTest {
  const { items, axis, lo, hi, bins } = scene;
  const start = items.length ? items[0].point.wall_time : 0;
  const times = items.map((item) => timeOf(item.point, axis, start));
  const tMin = times.length ? times[0] : 0;
  const tMax = times.length ? times[times.length - 1] : 1;
  const span = tMax > tMin ? tMax - tMin : 1;
  const xOfTime = (v: number) => plot.x + ((v - tMin) / span) * plot.w;
  // Each step's share of its count per bin; the colour scale is the square root of share / largest share.
  const shares = items.map((item) => {
    let total = 0;
    for (const c of item.counts) total += c;
    return item.counts.map((c) => (total ? c / total : 0));
  });
  let top = 0;
  for (const s of shares) for (const v of s) top = Math.max(top, v);
  const columns = Math.max(1, Math.round(plot.w));
  const image = ctx.createImageData(columns, bins);
  // The step shown in each pixel column: the last one at or left of it.
  const columnItem = new Int32Array(columns);
  let k = 0;
  for (let px = 0; px < columns; px++) {
    const time = tMin + ((px + 0.5) / columns) * span;
    while (k + 1 < times.length && times[k + 1] <= time) k++;
    columnItem[px] = items.length ? k : -1;
  }
  for (let px = 0; px < columns; px++) {
    const s = shares[columnItem[px]];
    if (!s) continue;
    for (let b = 0; b < bins; b++) {
      if (s[b] <= 0) continue;
      const [r, g, bl] = rampAt(Math.sqrt(s[b] / top));
      const o = ((bins - 1 - b) * columns + px) * 4;
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = bl;
      image.data[o + 3] = 255;
    }
  }
  const off = document.createElement("canvas");
  off.width = columns;
  off.height = bins;
  off.getContext("2d")?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, plot.x, plot.y, plot.w, plot.h);
  ctx.strokeStyle = t.grid;
  ctx.strokeRect(plot.x + 0.5, plot.y + 0.5, plot.w - 1, plot.h - 1);
  // Value axis on the right, time axis at the bottom.
  ctx.fillStyle = t.muted;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  const yOfValue = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;
  for (const v of ticks(lo, hi, Math.max(2, Math.floor(plot.h / 40)))) ctx.fillText(formatValue(v), plot.x + plot.w + 6, yOfValue(v));
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of ticks(tMin, tMax, Math.max(2, Math.floor(plot.w / 90)))) ctx.fillText(formatTime(v, axis), xOfTime(v), plot.y + plot.h + 5);
  return (x, y) => {
    if (!inside(x, y) || items.length === 0) return null;
    const px = Math.min(columns - 1, Math.max(0, Math.floor(x - plot.x)));
    const item = items[columnItem[px]];
    return item ? hit(item, lo + ((plot.y + plot.h - y) / plot.h) * (hi - lo)) : null;
  };
}
