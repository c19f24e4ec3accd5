// One custom chart card: a layout's multiline or margin chart, or one the user composed. It learns which (tag, run)
// pairs it shows from the catalog, fetches them in one request (/api/custom_scalars/chart), and draws them with
// uPlot on the scalars' axes, tooltip box and zoom.

import uPlot from "uplot";
import { withAlpha } from "../../colors";
import { debounce } from "../../debounce";
import { element } from "../../dom";
import type { DashboardContext } from "../types";
import { currentTheme, scalesAndAxes, type Theme } from "../scalars/axes";
import { HOVER_DOTS, hoverDot } from "../scalars/chart";
import { outlierRange } from "../scalars/series";
import { cursorTipPlugin } from "../scalars/tooltip";
import { zoomPlugin } from "../scalars/zoom";
import { fetchChart, type ChartResponse, type MarginSeries } from "./api";
import type { Catalog } from "./catalog";
import { margin, multiline, type Drawn } from "./plot";
import { marginTable, multilineTable } from "./tip";

export const KIND = "custom_scalars";

/** What a card draws. */
export interface ChartSpec {
  /** multiline: every tag matched, raw and smoothed; margin: value lines over lower-upper bands. */
  kind: "multiline" | "margin";
  title: string;
  /** The layout category's title; "" for a composed chart. */
  category: string;
  /** Exact tags (a margin chart's three per series, or typed ones). */
  tags: string[];
  /** Regular expressions matched from the start of each tag (Python's re.match). */
  regexes: string[];
  /** Margin charts: value, lower and upper tags of each band. */
  triples: MarginSeries[];
}

type Range = { min: number; max: number };
type State = "empty" | "loading" | "drawn" | "error";

const sameRange = (a: Range | null, b: Range | null) =>
  a === b || (!!a && !!b && Math.abs(a.min - b.min) <= 1e-9 * Math.abs(b.max - b.min) && Math.abs(a.max - b.max) <= 1e-9 * Math.abs(b.max - b.min));

/** Legend entries listed at most (a chart of 1,000 runs has a line per run and tag). */
const LEGEND_MAX = 200;

/** The CSS border style that best shows a dash pattern in the legend. */
const borderStyle = (dash: number[]) => (dash.length === 0 ? "solid" : dash[0] <= 2 ? "dotted" : "dashed");

export class CustomChart {
  readonly el: HTMLDivElement;
  /** In or near the viewport: only such cards fetch and draw. */
  visible = false;

  private readonly plotEl: HTMLDivElement;
  private readonly message: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly badge: HTMLSpanElement;
  private readonly resizer = new ResizeObserver(() => this.resize());
  private plot: uPlot | null = null;
  private plotShape = "";
  private response: ChartResponse | null = null;
  private drawn: Drawn | null = null;
  private fixedY: [number, number] | null = null;
  private zoom: Range | null = null;
  private extent: Range | null = null;
  private loadedKey = "";
  private pendingKey = "";
  private controller: AbortController | null = null;
  private applying = false;
  private stale = false;
  private readonly refetchSoon = debounce(() => void this.refresh(), 150);

  constructor(
    readonly spec: ChartSpec,
    private readonly ctx: DashboardContext,
    private readonly catalog: Catalog,
    onRemove?: () => void,
  ) {
    this.el = element("div", "chart cs-chart");
    const d = this.el.dataset;
    d.kind = KIND;
    d.tag = spec.title;
    d.chart = spec.kind;
    if (spec.category) d.category = spec.category;
    this.setState("empty");

    const head = element("div", "chart-head");
    const title = element("h3", "chart-title", spec.title);
    title.title = spec.title;
    this.badge = element("span", "cs-badge");
    this.badge.hidden = true;
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
    const downsampled = element("span", "chart-badge", "downsampled");
    downsampled.title = "More points than pixels: each bucket's extremes are shown, spikes included. Zoom in for every point.";
    head.append(title, this.badge, downsampled, expand);
    if (onRemove) {
      const remove = element("button", "chart-expand cs-remove", "×");
      remove.type = "button";
      remove.title = "Remove this chart";
      remove.addEventListener("click", onRemove);
      head.append(remove);
    }
    const what = element("div", "cs-what", describe(spec));
    what.title = what.textContent ?? "";
    const body = element("div", "chart-body");
    this.plotEl = element("div", "chart-plot");
    this.message = element("div", "chart-message");
    body.append(this.plotEl, this.message);
    this.legend = element("div", "cs-legend");
    this.el.append(head, what, body, this.legend);
  }

  /** Fetches and draws what is out of date (settings, runs, zoom, new data) while visible; `force` refetches. */
  async refresh(force = false): Promise<void> {
    if (!this.visible) return;
    if (this.stale && this.response) this.draw();
    let found: Record<string, string[]>;
    try {
      found = await this.catalog.resolve(this.spec);
    } catch (e) {
      this.showError(e instanceof Error ? e.message : String(e));
      return;
    }
    if (!this.visible) return;
    const tags = Object.keys(found);
    if (tags.length === 0) {
      this.showEmpty(this.spec.kind === "margin" ? "None of these tags is logged yet" : "No scalar tag matches yet");
      return;
    }
    const runs = this.ctx.selectedAmong([...new Set(tags.flatMap((tag) => found[tag]))].sort());
    if (runs && runs.length === 0) {
      this.showEmpty("No selected run has these tags");
      return;
    }
    const exact = this.spec.tags.filter((tag) => Object.prototype.hasOwnProperty.call(found, tag));
    const { x, smoothing } = this.ctx.settings;
    const ranks = this.ctx.ranks();
    const generation = this.ctx.generation();
    const key = JSON.stringify([exact, runs, ranks, x, smoothing, this.zoom, generation]);
    if (!force && (key === this.loadedKey || key === this.pendingKey)) return;

    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.pendingKey = key;
    this.setState("loading");
    const query = { tags: exact, regexes: this.spec.regexes, runs, ranks, x, smoothing, range: this.zoom };
    let response: ChartResponse;
    try {
      response = await fetchChart({ ...query, points: this.plotEl.clientWidth || 600 }, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return;
      this.controller = null;
      this.pendingKey = this.loadedKey = "";
      this.showError(e instanceof Error ? e.message : String(e));
      return;
    }
    if (controller.signal.aborted) return;
    this.controller = null;
    this.pendingKey = "";
    this.loadedKey = key;
    this.response = response;
    try {
      this.draw();
    } catch (e) {
      this.loadedKey = "";
      this.showError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Display-only settings changed (log scale, outliers, theme): redraw now if on screen, else when back. */
  restyle(): void {
    this.stale = true;
    if (this.visible && this.response) this.draw();
  }

  /** The x axis changed units: the zoom no longer applies. */
  resetZoom(): void {
    this.zoom = null;
    this.extent = null;
    this.refetchSoon.cancel();
  }

  destroy(): void {
    this.controller?.abort();
    this.refetchSoon.cancel();
    this.resizer.disconnect();
    this.plot?.destroy();
    this.ctx.hooks.drawnAt.delete(`${KIND}:${this.spec.title}`);
    this.el.remove();
  }

  private draw(): void {
    const response = this.response;
    if (!response) return;
    this.stale = false;
    const { logY, ignoreOutliers } = this.ctx.settings;
    const drawn =
      this.spec.kind === "margin" ? margin(response, this.spec.triples, logY) : multiline(response, logY);
    this.drawn = drawn;
    const xs = drawn.data[0];
    if (!this.zoom) this.extent = xs.length > 0 ? { min: xs[0], max: xs[xs.length - 1] } : null;
    this.fixedY = ignoreOutliers ? outlierRange(drawn.lines, logY) : null;
    this.badge.hidden = response.matched <= response.tags.length;
    this.badge.textContent = `${response.tags.length} of ${response.matched} tags`;
    this.badge.title = "A chart draws at most this many tags: narrow its regular expression to see others";
    this.message.textContent = drawn.lines.length === 0 ? "No selected run has these tags" : "";
    this.el.classList.toggle("downsampled", response.series.some((s) => !s.full));
    this.updateLegend(drawn);

    const theme = currentTheme();
    const shape = JSON.stringify([response.x, drawn.series.map((s) => [s.label, s.stroke, s.dash]), drawn.bands, logY, theme]);
    if (!this.plot || shape !== this.plotShape) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(response, drawn, theme), [[]], this.plotEl);
      this.plotShape = shape;
      this.resizer.observe(this.plotEl);
    }
    const plot = this.plot;
    this.applying = true;
    try {
      plot.batch(() => {
        plot.setData(drawn.data, !this.zoom);
        if (this.zoom) plot.setScale("x", { ...this.zoom });
      });
    } finally {
      this.applying = false;
    }
  }

  private options(response: ChartResponse, drawn: Drawn, theme: Theme): uPlot.Options {
    const { logY } = this.ctx.settings;
    const from = drawn.hoverFrom;
    const few = drawn.series.length - from <= HOVER_DOTS;
    const table = (x: number, slack: number) => {
      const d = this.drawn;
      if (!d) return null;
      return this.spec.kind === "margin" ? marginTable(d.groups, x, slack) : multilineTable(d.lines, x, slack);
    };
    return {
      width: Math.max(100, this.plotEl.clientWidth),
      height: Math.max(100, this.plotEl.clientHeight),
      ...scalesAndAxes(response.x, logY, theme, () => this.fixedY),
      series: drawn.series,
      bands: drawn.bands,
      legend: { show: false },
      padding: [10, 14, 0, 0],
      cursor: {
        drag: { x: true, y: false, dist: 5 },
        // A hover dot on the smoothed (margin: every) line while they are few, as the scalars' charts do.
        points: { show: (_u, i) => (i >= from && few ? hoverDot() : (undefined as unknown as HTMLElement)) },
      },
      plugins: [
        cursorTipPlugin(table),
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

  /** The user zoomed or panned (not this code): fetch that range's detail. */
  private onScale(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (this.applying || min == null || max == null) return;
    const ext = this.extent;
    const zoom = ext && min <= ext.min && max >= ext.max ? null : { min, max };
    if (sameRange(zoom, this.zoom)) return;
    this.zoom = zoom;
    this.refetchSoon();
  }

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

  private onDrawn(u: uPlot): void {
    const r = this.response;
    if (!r || u !== this.plot || this.el.dataset.state === "error") return;
    this.setState("drawn");
    const d = this.el.dataset;
    d.series = String(r.series.length);
    d.lines = String(this.drawn?.lines.length ?? 0);
    d.bands = String(this.drawn?.bands.length ?? 0);
    d.generation = String(r.generation);
    d.smoothing = String(r.smoothing);
    d.points = String(r.series.reduce((sum, s) => sum + s.value.length, 0));
    this.ctx.hooks.drawnAt.set(`${KIND}:${this.spec.title}`, performance.now());
  }

  private resize(): void {
    const plot = this.plot;
    const width = this.plotEl.clientWidth;
    const height = this.plotEl.clientHeight;
    if (!plot || width === 0 || height === 0) return;
    if (width !== plot.width || height !== plot.height) plot.setSize({ width, height });
  }

  /** A legend entry per line (margin: per value line with its band), naming its run and tag. */
  private updateLegend(drawn: Drawn): void {
    const entries =
      this.spec.kind === "margin"
        ? drawn.groups.map((g) => ({ run: g.run, tag: g.tag, color: g.color, dash: g.value?.dash ?? [], band: !!(g.lower && g.upper) }))
        : drawn.lines.map((l) => ({ run: l.run, tag: l.tag, color: l.color, dash: l.dash, band: false }));
    const shown = entries.slice(0, LEGEND_MAX);
    const more = entries.length - shown.length;
    this.legend.replaceChildren(
      ...shown.map((e) => {
        const item = element("span", "cs-legend-item");
        item.dataset.run = e.run;
        item.dataset.tag = e.tag;
        const swatch = element("span", e.band ? "cs-swatch band" : "cs-swatch");
        swatch.style.borderTopColor = e.color;
        swatch.style.borderTopStyle = borderStyle(e.dash);
        if (e.band) swatch.style.backgroundColor = withAlpha(e.color, 0.3);
        item.append(swatch, element("span", "cs-run", e.run), element("span", "cs-tag", e.tag));
        item.title = `${e.run} · ${e.tag}`;
        return item;
      }),
    );
    if (more > 0) this.legend.append(element("span", "cs-legend-more", `and ${more} more (hover the chart for values)`));
  }

  private setState(state: State): void {
    this.el.dataset.state = state;
  }

  private showEmpty(text: string): void {
    this.controller?.abort();
    this.controller = null;
    this.pendingKey = this.loadedKey = "";
    this.response = this.drawn = null;
    this.plot?.destroy();
    this.plot = null;
    this.legend.replaceChildren();
    this.badge.hidden = true;
    this.message.textContent = text;
    this.setState("drawn");
    const d = this.el.dataset;
    d.series = d.lines = d.points = d.bands = "0";
    d.generation = String(this.ctx.generation());
    this.ctx.hooks.drawnAt.set(`${KIND}:${this.spec.title}`, performance.now());
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

/** What a chart draws, in words: its regexes and tags, or its margin triples. */
export function describe(spec: ChartSpec): string {
  if (spec.kind === "margin") {
    return spec.triples.map((t) => `${t.value ?? "?"} in [${t.lower ?? "?"}, ${t.upper ?? "?"}]`).join("; ");
  }
  return [...spec.regexes.map((r) => `/${r}/`), ...spec.tags].join(", ");
}
