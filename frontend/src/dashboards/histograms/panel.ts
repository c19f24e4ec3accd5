// One histograms panel: a run's histograms of a tag (or, in "runs" mode, the latest histogram of each selected run),
// fetched from /api/histograms, rebinned onto a common value grid and drawn on a canvas, with a hover tooltip
// giving the bucket under the cursor as the server sent it.

import { fetchPoints, type PointsResponse } from "../../api";
import { runColor } from "../../colors";
import { debounce } from "../../debounce";
import { formatStep, formatValue } from "../../format";
import type { DashboardContext } from "../types";
import { panelFrame, type Panel } from "./cards";
import { draw, type Axis, type Drawn, type HitTest, type Mode, type Scene } from "./draw";
import { finiteBuckets, rebin, valueRange, type HistogramPoint } from "./rebin";
import { hideTip, showTip } from "./tip";

export interface HistOptions {
  mode: Mode;
  axis: Axis;
  /** Step range (inclusive), or null for every step. */
  range: { min: number; max: number } | null;
}

/** Histograms fetched for the offset and overlay modes (more would not be told apart). */
export const RIDGES = 60;
const MAX_COLUMNS = 2000;

interface Loaded {
  items: { run: string; response: PointsResponse<HistogramPoint> }[];
}

export class HistPanel implements Panel {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly message: HTMLElement;
  private readonly count: HTMLElement;
  private readonly plotBox: HTMLElement;
  private readonly resizer = new ResizeObserver(() => this.redrawSoon());
  private readonly redrawSoon = debounce(() => this.render(), 50);
  private loaded: Loaded | null = null;
  private scene: Scene | null = null;
  private hitTest: HitTest | null = null;
  private highlight: Drawn | null = null;
  private loadedKey = "";
  private pendingKey = "";
  private controller: AbortController | null = null;
  /** Steps asked for at the last fetch (the heatmap asks for one per pixel column). */
  private fetchedSteps = 0;

  constructor(
    readonly tag: string,
    /** The run shown; null: the latest histogram of each selected run, overlaid. */
    readonly run: string | null,
    private readonly ctx: DashboardContext,
    private readonly options: () => HistOptions,
    private readonly selectedRuns: () => string[],
  ) {
    const frame = panelFrame("histograms", tag, run, run === null ? null : runColor(run));
    this.el = frame.el;
    this.message = frame.message;
    this.count = frame.count;
    this.plotBox = frame.plot;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "hist-canvas";
    frame.plot.append(this.canvas);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => {
      hideTip(this.canvas);
      if (this.highlight) {
        this.highlight = null;
        this.render();
      }
    });
    this.resizer.observe(this.plotBox);
  }

  refresh(): void {
    const { mode, range } = this.options();
    const runs = this.run === null ? this.selectedRuns() : [this.run];
    const width = Math.round(this.plotBox.clientWidth || 400);
    const steps = mode === "heatmap" ? Math.min(MAX_COLUMNS, Math.max(50, width)) : mode === "runs" ? 2 : RIDGES;
    const key = JSON.stringify([mode === "runs", steps, range, runs, this.ctx.generation()]);
    if (key === this.loadedKey || key === this.pendingKey) {
      if (this.loaded && this.el.dataset.mode !== mode) this.render();
      return;
    }
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.pendingKey = key;
    this.fetchedSteps = steps;
    if (!this.loaded) this.setState("loading");
    const fetches = runs.map((run) =>
      fetchPoints<HistogramPoint>("histograms", { run, tag: this.tag, steps, range }, controller.signal).then((response) => ({ run, response })),
    );
    Promise.all(fetches).then(
      (items) => {
        if (controller.signal.aborted) return;
        this.controller = null;
        this.pendingKey = "";
        this.loadedKey = key;
        this.loaded = { items };
        this.highlight = null;
        this.render();
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        this.controller = null;
        this.pendingKey = this.loadedKey = "";
        this.showError(e instanceof Error ? e.message : String(e));
      },
    );
  }

  destroy(): void {
    this.controller?.abort();
    this.redrawSoon.cancel();
    this.resizer.disconnect();
    hideTip(this.canvas);
    this.ctx.hooks.drawnAt.delete(this.hookKey());
    this.el.remove();
  }

  private hookKey(): string {
    return this.run === null ? `histograms:${this.tag}` : `histograms:${this.run}:${this.tag}`;
  }

  /** Draws the loaded data again under the current options (axis, theme) without fetching. */
  redraw(): void {
    this.render();
  }

  /** Builds the scene from the loaded data under the current options and draws it. */
  private render(): void {
    const loaded = this.loaded;
    if (!loaded || !this.el.isConnected) return;
    try {
      const { mode, axis } = this.options();
      const combined = this.run === null;
      const chosen = loaded.items.flatMap(({ run, response }) => {
        const points = combined ? response.points.slice(-1) : response.points;
        return points.map((point) => ({ run, point, buckets: finiteBuckets(point.buckets) }));
      });
      const total = loaded.items.reduce((sum, { response }) => sum + response.total, 0);
      const shown = combined ? chosen.length : loaded.items[0]?.response.points.length ?? 0;
      this.count.textContent = combined
        ? `latest step of ${shown} run${shown === 1 ? "" : "s"} (${total} steps logged)`
        : `${shown} of ${total} steps shown`;
      const d = this.el.dataset;
      d.shown = String(shown);
      d.total = String(total);
      d.mode = combined ? "runs" : mode;
      if (combined && chosen.length > 0 && chosen.every((c) => c.point.step === chosen[0].point.step)) d.step = String(chosen[0].point.step);
      else delete d.step;
      const range = valueRange(chosen.map((c) => c.buckets));
      if (!range) {
        this.canvas.hidden = true;
        this.message.textContent = total === 0 ? "No histogram in this step range." : "These histograms are empty.";
        this.scene = this.hitTest = null;
        this.drawn();
        return;
      }
      this.canvas.hidden = false;
      this.message.textContent = "";
      const drawMode: Mode = combined ? "runs" : mode === "runs" ? "overlay" : mode;
      const bins = drawMode === "heatmap" ? Math.max(20, Math.min(240, Math.floor((this.plotBox.clientHeight || 240) / 2))) : drawMode === "offset" ? 60 : 80;
      const [lo, hi] = range;
      const items: Drawn[] = chosen.map((c) => ({ ...c, color: runColor(c.run), counts: rebin(c.buckets, lo, hi, bins) }));
      this.scene = { mode: drawMode, axis, items, lo, hi, bins };
      this.hitTest = draw(this.canvas, this.scene, this.highlight);
      this.drawn();
    } catch (e) {
      this.showError(e instanceof Error ? e.message : String(e));
    }
  }

  private drawn(): void {
    this.setState("drawn");
    this.el.dataset.generation = String(this.ctx.generation());
    this.ctx.hooks.drawnAt.set(this.hookKey(), performance.now());
    // Grown much wider than the heatmap's columns (e.g. window resized or expanded): fetch more steps.
    const total = Number(this.el.dataset.total);
    if (this.options().mode === "heatmap" && this.fetchedSteps < total && this.plotBox.clientWidth > this.fetchedSteps * 1.25) {
      this.refresh();
    }
  }

  private hover(e: MouseEvent): void {
    if (!this.hitTest || !this.scene) return;
    const box = this.canvas.getBoundingClientRect();
    const hit = this.hitTest(e.clientX - box.left, e.clientY - box.top);
    if (!hit) {
      hideTip(this.canvas);
      return;
    }
    const rows: [string, string][] = [];
    if (this.run === null) rows.push(["Run", hit.item.run]);
    rows.push(["Step", formatStep(hit.item.point.step)]);
    if (hit.bucket) {
      const [left, right, count] = hit.bucket;
      rows.push(["Bucket", `${formatValue(left)} to ${formatValue(right)}`], ["Count", formatValue(count)]);
    } else {
      rows.push(["Value", formatValue(hit.value)], ["Count", "no bucket here"]);
    }
    showTip(this.canvas, e.clientX, e.clientY, rows, {
      run: hit.item.run,
      step: String(hit.item.point.step),
      left: hit.bucket ? String(hit.bucket[0]) : "",
      right: hit.bucket ? String(hit.bucket[1]) : "",
      count: hit.bucket ? String(hit.bucket[2]) : "",
    });
    if (this.scene.mode !== "heatmap" && hit.item !== this.highlight) {
      this.highlight = hit.item;
      this.hitTest = draw(this.canvas, this.scene, this.highlight);
    }
  }

  private setState(state: "loading" | "drawn" | "error"): void {
    this.el.dataset.state = state;
  }

  private showError(text: string): void {
    this.setState("error");
    this.canvas.hidden = true;
    this.message.textContent = `Could not show these histograms: ${text}`;
  }
}
