// One distributions panel: a run's nine percentiles of a tag at every step shown (uPlot: the median as a line,
// bands between the percentiles ±3, ±2, ±1.5 and ±1 standard deviations of a normal), tooltip with the nine values
// at the hovered step; dragging across the chart fetches that step range in full, double-click shows all again.

import uPlot from "uplot";
import { fetchPoints, type PointsResponse } from "../../api";
import { runColor, withAlpha } from "../../colors";
import { DURATION_INCREMENTS, formatDate, formatDuration, formatStep, formatStepTick, formatValue } from "../../format";
import type { DashboardContext } from "../types";
import { panelFrame, type Panel } from "../histograms/cards";
import type { Axis } from "../histograms/draw";
import { hideTip, showTip } from "../histograms/tip";

export interface DistributionPoint {
  step: number;
  wall_time: number;
  /** [basis point, value] for the nine basis points; value null when not finite. */
  percentiles: [number, number | null][];
}

const BASIS_POINTS = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000];
const LABELS = ["max", "+2σ (93%)", "+1.5σ (84%)", "+1σ (69%)", "median", "−1σ (31%)", "−1.5σ (16%)", "−2σ (7%)", "min"];
/** Bands as [upper series, lower series, opacity], widest first (series 1 is the maximum, 9 the minimum). */
const BANDS: [number, number, number][] = [
  [1, 9, 0.12],
  [2, 8, 0.16],
  [3, 7, 0.2],
  [4, 6, 0.26],
];

type Range = { min: number; max: number };

/** Steps fetched: every one up to this many (the bands cost nine numbers a step); past it, this many spread
 * evenly, and a drag across the chart fetches every step of that range. */
const MAX_STEPS = 10_000;

export class DistributionChart implements Panel {
  readonly el: HTMLElement;
  private readonly plotBox: HTMLElement;
  private readonly message: HTMLElement;
  private readonly count: HTMLElement;
  private readonly resizer = new ResizeObserver(() => this.resize());
  private plot: uPlot | null = null;
  /** The axis the plot was built for. */
  private plotAxis: Axis | null = null;
  /** Wall time of the run's first point (relative times count from it), from the last unzoomed answer. */
  private origin: number | null = null;
  private response: PointsResponse<DistributionPoint> | null = null;
  private zoom: Range | null = null;
  private applying = false;
  private loadedKey = "";
  private pendingKey = "";
  private controller: AbortController | null = null;

  constructor(
    readonly tag: string,
    readonly run: string,
    private readonly ctx: DashboardContext,
    private readonly axis: () => Axis,
  ) {
    const frame = panelFrame("distributions", tag, run, runColor(run));
    this.el = frame.el;
    this.plotBox = frame.plot;
    this.message = frame.message;
    this.count = frame.count;
    this.resizer.observe(this.plotBox);
    this.plotBox.addEventListener("mouseleave", () => hideTip(this.plotBox));
  }

  refresh(): void {
    const steps = MAX_STEPS;
    const key = JSON.stringify([this.zoom, this.ctx.generation()]);
    if (key === this.loadedKey || key === this.pendingKey) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.pendingKey = key;
    if (!this.response) this.el.dataset.state = "loading";
    fetchPoints<DistributionPoint>("distributions", { run: this.run, tag: this.tag, steps, range: this.zoom }, controller.signal).then(
      (response) => {
        if (controller.signal.aborted) return;
        this.controller = null;
        this.pendingKey = "";
        this.loadedKey = key;
        this.response = response;
        try {
          this.draw();
        } catch (e) {
          this.showError(e instanceof Error ? e.message : String(e));
        }
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        this.controller = null;
        this.pendingKey = this.loadedKey = "";
        this.showError(e instanceof Error ? e.message : String(e));
      },
    );
  }

  /** Rebuilds the plot (theme or axis changed). */
  redraw(): void {
    this.plot?.destroy();
    this.plot = null;
    if (this.response) this.draw();
  }

  /** The x of each point on the axis shown (relative: seconds since the run's first point). */
  private xs(points: DistributionPoint[], axis: Axis): number[] {
    if (axis === "step") return points.map((p) => p.step);
    const start = axis === "relative" ? this.origin ?? points[0]?.wall_time ?? 0 : 0;
    return points.map((p) => p.wall_time - start);
  }

  destroy(): void {
    this.controller?.abort();
    this.resizer.disconnect();
    this.plot?.destroy();
    hideTip(this.plotBox);
    this.ctx.hooks.drawnAt.delete(`distributions:${this.run}:${this.tag}`);
    this.el.remove();
  }

  private draw(): void {
    const response = this.response;
    if (!response) return;
    const points = response.points;
    if (!this.zoom && points.length) this.origin = points[0].wall_time;
    const axis = this.axis();
    const data: (number | null)[][] = [this.xs(points, axis)];
    // Series 1..9 from the top (basis point 10000) down, so bands pair [upper, lower].
    for (let k = BASIS_POINTS.length - 1; k >= 0; k--) data.push(points.map((p) => p.percentiles[k]?.[1] ?? null));
    this.count.textContent = `${points.length} of ${response.total} steps shown`;
    this.message.textContent = points.length === 0 ? "No histogram in this step range." : "";
    if (!this.plot || this.plotAxis !== axis) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(axis), [[]], this.plotBox);
      this.plotAxis = axis;
    }
    const plot = this.plot;
    this.applying = true;
    try {
      plot.batch(() => {
        plot.setData(data as uPlot.AlignedData, true);
      });
    } finally {
      this.applying = false;
    }
    const d = this.el.dataset;
    d.shown = String(points.length);
    d.total = String(response.total);
    d.generation = String(this.ctx.generation());
    d.state = "drawn";
    this.ctx.hooks.drawnAt.set(`distributions:${this.run}:${this.tag}`, performance.now());
  }

  private options(axis: Axis): uPlot.Options {
    const color = runColor(this.run);
    const css = getComputedStyle(document.documentElement);
    const muted = css.getPropertyValue("--muted").trim() || "#656d76";
    const grid = css.getPropertyValue("--border").trim() || "#d9dee3";
    const series: uPlot.Series[] = [{ label: "step" }];
    LABELS.forEach((label, i) => {
      const median = i === 4;
      series.push({ label, stroke: median ? color : withAlpha(color, 0.35), width: median ? 1.5 : 0.5, points: { show: false } });
    });
    const style = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const xAxis: uPlot.Axis =
      axis === "step"
        ? { ...style, values: (_u, values) => values.map(formatStepTick) }
        : axis === "relative"
          ? { ...style, incrs: DURATION_INCREMENTS, values: (_u, values) => values.map(formatDuration) }
          : { ...style };
    return {
      width: Math.max(100, this.plotBox.clientWidth),
      height: Math.max(100, this.plotBox.clientHeight),
      series,
      bands: BANDS.map(([upper, lower, alpha]) => ({ series: [upper, lower], fill: withAlpha(color, alpha) })),
      scales: { x: { time: axis === "wall" } },
      axes: [
        xAxis,
        { ...style, size: 56, values: (_u, values) => values.map((v) => formatValue(v)) },
      ],
      legend: { show: false },
      padding: [8, 8, 0, 0],
      cursor: { drag: { x: true, y: false, dist: 5 }, points: { show: false } },
      hooks: {
        setCursor: [(u) => this.hover(u)],
        setScale: [(u, key) => key === "x" && this.onScale(u)],
        ready: [
          (u) =>
            u.over.addEventListener("dblclick", () => {
              if (!this.zoom) return;
              this.zoom = null;
              this.refresh();
            }),
        ],
      },
    };
  }

  private hover(u: uPlot): void {
    const i = u.cursor.idx;
    const points = this.response?.points;
    if (i == null || !points || !points[i] || u.cursor.left == null || u.cursor.left < 0) {
      hideTip(this.plotBox);
      return;
    }
    const point = points[i];
    const rows: [string, string][] = [["Step", formatStep(point.step)]];
    const axis = this.axis();
    if (axis === "relative") rows.push(["Relative", formatDuration(point.wall_time - (this.origin ?? points[0].wall_time))]);
    if (axis === "wall") rows.push(["Time", formatDate(point.wall_time)]);
    for (let k = BASIS_POINTS.length - 1; k >= 0; k--) rows.push([LABELS[BASIS_POINTS.length - 1 - k], formatValue(point.percentiles[k]?.[1])]);
    const box = u.over.getBoundingClientRect();
    showTip(this.plotBox, box.left + (u.cursor.left ?? 0), box.top + (u.cursor.top ?? 0), rows, {
      run: this.run,
      step: String(point.step),
      percentiles: JSON.stringify(point.percentiles.map(([, v]) => v)),
    });
  }

  /** The user dragged across the chart: fetch that step range in full. */
  private onScale(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (this.applying || min == null || max == null || !this.response) return;
    const points = this.response.points;
    const xs = this.xs(points, this.axis());
    if (xs.length === 0) return;
    if (min <= xs[0] && max >= xs[xs.length - 1]) return;
    // The API takes a step range: the steps of the points shown in the x range (and the ones just outside it,
    // so that the drawing reaches the edges).
    let first = xs.findIndex((x) => x >= min);
    let last = xs.length - 1 - [...xs].reverse().findIndex((x) => x <= max);
    if (first < 0 || last < first) return;
    first = Math.max(0, first - 1);
    last = Math.min(xs.length - 1, last + 1);
    this.zoom = { min: points[first].step, max: points[last].step };
    this.refresh();
  }

  private resize(): void {
    const plot = this.plot;
    const width = this.plotBox.clientWidth;
    const height = this.plotBox.clientHeight;
    if (plot && width > 0 && height > 0 && (width !== plot.width || height !== plot.height)) plot.setSize({ width, height });
  }

  private showError(text: string): void {
    this.el.dataset.state = "error";
    this.message.textContent = `Could not show this distribution: ${text}`;
  }
}
