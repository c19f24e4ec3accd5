// One chart card: its DOM, its data (fetched from /api/scalars), its uPlot plot, zoom state and test hooks.

import uPlot from "uplot";
import { downloadUrl, fetchScalars, type ScalarsResponse } from "./api";
import { currentTheme, scalesAndAxes, type Theme } from "./axes";
import { withAlpha } from "../../colors";
import { debounce } from "../../debounce";
import { element } from "../../dom";
import { outlierRange, toPlotData, type RunLine } from "./series";
import type { DashboardContext } from "../types";
import { tooltipPlugin } from "./tooltip";
import { alertMarkers } from "./markers";
import { zoomPlugin } from "./zoom";

type Range = { min: number; max: number };

/** What a chart needs from the dashboard. */
export type ChartContext = Pick<
  DashboardContext,
  "settings" | "hooks" | "generation" | "ranks" | "selectedAmong" | "alerts"
>;

type State = "empty" | "loading" | "drawn" | "error";

/** Buckets, and so points, a chart asks for across all its runs: about its width for each run while they are few;
 * past that each run gets an equal share (at least MIN_BUCKETS), so that 1,000 runs cost what 100 do. Every bucket
 * keeps its extremes: a spike is never lost, only the resolution between extremes. */
const POINT_BUDGET = 40_000;
const MIN_BUCKETS = 40;

/** Runs up to which the smoothed lines get a hover dot. */
export const HOVER_DOTS = 50;
const DOT_SIZE = 7;

/** A hover dot: uPlot places it and colours it with its series' stroke. */
export function hoverDot(): HTMLElement {
  const dot = document.createElement("div");
  Object.assign(dot.style, {
    width: `${DOT_SIZE}px`,
    height: `${DOT_SIZE}px`,
    marginLeft: `${-DOT_SIZE / 2}px`,
    marginTop: `${-DOT_SIZE / 2}px`,
    borderWidth: "2px",
  });
  return dot;
}

export function bucketsFor(width: number, runs: number): number {
  const share = Math.max(MIN_BUCKETS, Math.floor(POINT_BUDGET / Math.max(1, runs)));
  return Math.min(10000, Math.max(MIN_BUCKETS, Math.min(Math.round(width), share)));
}

const sameRange = (a: Range | null, b: Range | null) =>
  a === b || (!!a && !!b && Math.abs(a.min - b.min) <= 1e-9 * Math.abs(b.max - b.min) && Math.abs(a.max - b.max) <= 1e-9 * Math.abs(b.max - b.min));

export class Chart {
  readonly el: HTMLDivElement;
  /** In or near the viewport (set by the dashboard's IntersectionObserver): only such charts fetch and draw. */
  visible = false;

  private readonly plotEl: HTMLDivElement;
  private readonly message: HTMLDivElement;
  private readonly csv: HTMLAnchorElement;
  private readonly json: HTMLAnchorElement;
  private readonly resizer = new ResizeObserver(() => this.resize());

  private plot: uPlot | null = null;
  /** Settings the plot was built with; the plot is rebuilt when they differ. */
  private plotShape = "";
  private response: ScalarsResponse | null = null;
  /** The x range `response` was fetched for (null: the whole data). */
  private responseRange: Range | null = null;
  private lines: RunLine[] = [];
  private fixedY: [number, number] | null = null;

  /** A step to zoom around once the whole data's extent is known (an alert clicked before the chart drew). */
  private focusStep: number | null = null;
  /** The visible x range when zoomed, null for the whole data. */
  private zoom: Range | null = null;
  /** x extent of the last whole-data response: what zooming out returns to. */
  private extent: Range | null = null;
  /** Identifies the request behind the data shown, and the one in flight. */
  private loadedKey = "";
  private pendingKey = "";
  private controller: AbortController | null = null;
  private fetchedPoints = 0;
  /** True while this code (not the user) sets the plot's data and scales. */
  private applying = false;
  /** Display settings changed while the chart was off screen: rebuild the plot when it comes back. */
  private stale = false;
  private readonly refetchSoon = debounce(() => void this.refresh(), 150);
  private readonly refetchWider = debounce(() => void this.refresh(true), 150);

  constructor(
    readonly tag: string,
    /** Runs having this tag, from /api/scalars/tags. */
    public runs: string[],
    private readonly ctx: ChartContext,
  ) {
    this.el = element("div", "chart");
    this.el.dataset.tag = tag;
    this.setState("empty");

    const head = element("div", "chart-head");
    const title = element("h3", "chart-title");
    title.title = tag;
    const slash = tag.indexOf("/");
    if (slash >= 0) title.append(element("span", "chart-prefix", tag.slice(0, slash + 1)));
    title.append(tag.slice(slash + 1));
    this.csv = element("a", "download-csv", "CSV");
    this.json = element("a", "download-json", "JSON");
    for (const a of [this.csv, this.json]) {
      a.download = "";
      a.title = `Download every point of this chart as ${a.textContent}`;
    }
    const expand = element("button", "chart-expand", "⤢");
    expand.type = "button";
    expand.title = "Expand";
    expand.setAttribute("aria-pressed", "false");
    expand.addEventListener("click", () => {
      const on = this.el.classList.toggle("expanded");
      expand.setAttribute("aria-pressed", String(on));
      expand.title = on ? "Shrink" : "Expand";
      this.el.scrollIntoView({ block: "nearest" });
    });
    const badge = element("span", "chart-badge", "downsampled");
    badge.title = "More points than pixels: each bucket's extremes are shown, spikes included. Zoom in for every point.";
    head.append(title, badge, this.csv, this.json, expand);

    const body = element("div", "chart-body");
    this.plotEl = element("div", "chart-plot");
    this.message = element("div", "chart-message");
    body.append(this.plotEl, this.message);
    this.el.append(head, body);
    this.updateDownloads();
  }

  /**
   * Fetches and draws this chart's data if it is visible and what it shows is out of date (other settings, runs,
   * zoom or generation). `force` refetches anyway.
   */
  async refresh(force = false): Promise<void> {
    this.updateDownloads();
    if (!this.visible) return;
    if (this.stale && this.response) this.draw();
    const runs = this.ctx.selectedAmong(this.runs);
    if (runs && runs.length === 0) {
      this.showNoRuns();
      return;
    }
    const { x, smoothing } = this.ctx.settings;
    const ranks = this.ctx.ranks();
    const key = JSON.stringify([runs, ranks, x, smoothing, this.zoom, this.ctx.generation()]);
    if (!force && (key === this.loadedKey || key === this.pendingKey)) return;

    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.pendingKey = key;
    this.setState("loading");
    const points = bucketsFor(this.plotEl.clientWidth || 600, runs?.length ?? this.runs.length);
    const range = this.zoom;
    let response: ScalarsResponse;
    try {
      response = await fetchScalars({ tag: this.tag, runs, ranks, x, smoothing, range, points }, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return; // superseded by a newer request
      this.controller = null;
      this.pendingKey = this.loadedKey = "";
      this.showError(e instanceof Error ? e.message : String(e));
      return;
    }
    if (controller.signal.aborted) return;
    this.controller = null;
    this.pendingKey = "";
    this.loadedKey = key;
    this.fetchedPoints = points;
    response.series.sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
    this.response = response;
    this.responseRange = range;
    try {
      this.draw();
    } catch (e) {
      this.loadedKey = "";
      this.showError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Display-only settings changed (log scale, outliers, theme): rebuild now if on screen, else when back. */
  restyle(): void {
    this.stale = true;
    if (this.visible && this.response) this.draw();
  }

  /** Zooms the step axis to a window around `step` (an alert's), a twentieth of the data's extent either side
   * (at least 10 steps); on a time axis nothing changes. */
  zoomAround(step: number): void {
    if (this.ctx.settings.x !== "step") return;
    const extent = this.extent;
    if (!extent) {
      this.focusStep = step; // the extent comes with the whole data: zoom once it is drawn
      void this.refresh();
      return;
    }
    const half = Math.max(10, (extent.max - extent.min) / 20);
    this.focusStep = null;
    this.zoom = { min: step - half, max: step + half };
    this.refetchSoon.cancel();
    void this.refresh();
  }

  /** Forgets the zoom (the x units changed). */
  resetZoom(): void {
    this.zoom = null;
    this.extent = null;
    this.refetchSoon.cancel();
  }

  destroy(): void {
    this.controller?.abort();
    this.refetchSoon.cancel();
    this.refetchWider.cancel();
    this.resizer.disconnect();
    this.plot?.destroy();
    this.ctx.hooks.charts.delete(this.tag);
    this.ctx.hooks.drawnAt.delete(this.tag);
    this.el.remove();
  }

  private draw(): void {
    const response = this.response;
    if (!response) return;
    this.stale = false;
    const { logY, ignoreOutliers } = this.ctx.settings;
    const { lines, banded, data } = toPlotData(response, logY);
    this.lines = lines;
    const xs = data[0];
    if (!this.responseRange) this.extent = xs.length > 0 ? { min: xs[0], max: xs[xs.length - 1] } : null;
    if (this.focusStep !== null && this.extent) queueMicrotask(() => this.focusStep !== null && this.zoomAround(this.focusStep));
    this.fixedY = ignoreOutliers ? outlierRange(lines, logY) : null;
    this.message.textContent = "";
    this.el.classList.toggle("downsampled", response.series.some((s) => !s.full));

    const theme = currentTheme();
    const shape = JSON.stringify([response.x, lines.map((l) => l.run), banded.map((l) => l.run), logY, theme]);
    if (!this.plot || shape !== this.plotShape) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(response, lines, banded, theme), [[]], this.plotEl);
      this.plotShape = shape;
      this.resizer.observe(this.plotEl);
    }
    const plot = this.plot;
    // batch() commits synchronously, so the setScale hook runs while `applying` is still set.
    this.applying = true;
    try {
      plot.batch(() => {
        plot.setData(data, !this.zoom);
        if (this.zoom) plot.setScale("x", { ...this.zoom });
      });
    } finally {
      this.applying = false;
    }
  }

  /** The plot's options; its series are laid out as `toPlotData`'s columns. */
  private options(response: ScalarsResponse, lines: RunLine[], banded: RunLine[], theme: Theme): uPlot.Options {
    const n = lines.length;
    const firstSmoothed = 1 + 2 * banded.length + n;
    const { logY } = this.ctx.settings;
    const series: uPlot.Series[] = [{}];
    // uPlot fills a band between two series: here the min and max, hairlines (a spike on one rank stays visible
    // however narrow), filled in the run's colour.
    const bands: uPlot.Band[] = [];
    banded.forEach((l, i) => {
      const edge = { stroke: withAlpha(l.color, 0.3), width: 0.5, points: { show: false } };
      series.push({ ...edge, label: `${l.run} (min)` }, { ...edge, label: `${l.run} (max)` });
      bands.push({ series: [2 + 2 * i, 1 + 2 * i], fill: withAlpha(l.color, 0.15) });
    });
    for (const l of lines) {
      series.push({ label: l.run, stroke: withAlpha(l.color, 0.25), width: 1, points: { show: false } });
    }
    for (const l of lines) series.push({ label: `${l.run} (smoothed)`, stroke: l.color, width: 2 });
    return {
      width: Math.max(100, this.plotEl.clientWidth),
      height: Math.max(100, this.plotEl.clientHeight),
      ...scalesAndAxes(response.x, logY, theme, () => this.fixedY),
      series,
      bands,
      legend: { show: false },
      padding: [10, 14, 0, 0],
      cursor: {
        drag: { x: true, y: false, dist: 5 },
        // A hover dot on the smoothed lines only, while they are few (uPlot moves one element per dot). uPlot's
        // types want an element; its code takes anything else as "no dot" (initCursorPt: instanceof HTMLElement).
        points: { show: (_u, i) => (i >= firstSmoothed && n <= HOVER_DOTS ? hoverDot() : (undefined as unknown as HTMLElement)) },
      },
      plugins: [
        tooltipPlugin(() => this.lines),
        alertMarkers(
          () => this.ctx.alerts(this.tag),
          () => this.lines,
          () => response.x,
          (count) => (this.el.dataset.alerts = String(count)),
        ),
        zoomPlugin({
          wheelZooms: () => this.el.classList.contains("expanded"),
          extent: () => this.extent,
          reset: () => this.resetToWhole(),
        }),
      ],
      hooks: {
        setScale: [(u, key) => key === "x" && this.onScale(u)],
        draw: [(u) => this.onDrawn(u)],
      },
    };
  }

  /** The x scale changed. Unless this code did it, the user zoomed or panned: fetch that range's detail. */
  private onScale(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (this.applying || min == null || max == null) return;
    const ext = this.extent;
    const whole = !!ext && min <= ext.min && max >= ext.max;
    const zoom = whole ? null : { min, max };
    if (sameRange(zoom, this.zoom)) return;
    this.zoom = zoom;
    this.refetchSoon();
  }

  /** Double-click: show the whole data at once (what is loaded), then fetch it at the right resolution. */
  private resetToWhole(): void {
    if (!this.zoom) return;
    this.zoom = null;
    const plot = this.plot;
    if (plot && this.extent) {
      this.applying = true;
      try {
        plot.batch(() => plot.setScale("x", { ...this.extent! }));
      } finally {
        this.applying = false;
      }
    }
    this.refetchSoon.cancel();
    void this.refresh();
  }

  /** uPlot drew: publish what is on screen for tests and the benchmark. */
  private onDrawn(u: uPlot): void {
    const r = this.response;
    // A redraw of the last plot (zoom, resize) under an error message keeps the error showing.
    if (!r || u !== this.plot || this.el.dataset.state === "error") return;
    this.setState("drawn");
    const d = this.el.dataset;
    d.series = String(r.series.length);
    d.points = String(r.series.reduce((sum, s) => sum + s.value.length, 0));
    d.generation = String(r.generation);
    d.smoothing = String(r.smoothing);
    this.ctx.hooks.charts.set(this.tag, { plot: u, response: r });
    this.ctx.hooks.drawnAt.set(this.tag, performance.now());
  }

  private resize(): void {
    const plot = this.plot;
    const width = this.plotEl.clientWidth;
    const height = this.plotEl.clientHeight;
    if (!plot || width === 0 || height === 0) return;
    if (width !== plot.width || height !== plot.height) plot.setSize({ width, height });
    // Grown well past the resolution of downsampled data (e.g. expanded): fetch more points.
    if (this.response?.series.some((s) => !s.full) && width > this.fetchedPoints * 1.25) this.refetchWider();
  }

  private setState(state: State): void {
    this.el.dataset.state = state;
  }

  private updateDownloads(): void {
    const runs = this.ctx.selectedAmong(this.runs);
    this.csv.href = downloadUrl(this.tag, runs, this.ctx.ranks(), "csv");
    this.json.href = downloadUrl(this.tag, runs, this.ctx.ranks(), "json");
  }

  private showNoRuns(): void {
    this.controller?.abort();
    this.controller = null;
    this.pendingKey = this.loadedKey = "";
    this.response = null;
    this.lines = [];
    this.plot?.destroy();
    this.plot = null;
    this.ctx.hooks.charts.delete(this.tag);
    this.message.textContent = "No selected run has this tag";
    this.setState("drawn");
    const d = this.el.dataset;
    d.series = d.points = "0";
    d.generation = String(this.ctx.generation());
    d.smoothing = String(this.ctx.settings.smoothing);
  }

  private showError(text: string): void {
    this.setState("error");
    this.message.replaceChildren(element("span", "", `Could not load: ${text}`));
    const retry = element("button", "retry", "Retry");
    retry.type = "button";
    retry.addEventListener("click", () => void this.refresh(true));
    this.message.append(retry);
  }
}
