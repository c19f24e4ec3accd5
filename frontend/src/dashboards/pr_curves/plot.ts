// A PR curves chart: uPlot in its x-y mode (each run its own x and y), precision over recall or the ROC curve,
// axes fixed to [0, 1]; hovering shows the nearest threshold's values of the nearest run.

import uPlot from "uplot";
import { runColor } from "../../colors";
import { element } from "../../dom";
import { formatStep, formatValue } from "../../format";
import { curveXY, type CurveKind, type RunCurve } from "./api";

const FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
/** How near (CSS pixels) the pointer must be to a point for the tooltip to show it. */
const HOVER_PX = 40;

function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export interface Hover {
  run: string;
  step: number;
  /** The threshold's index in the curve. */
  index: number;
}

export class PrPlot {
  readonly el: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly marker: HTMLDivElement;
  private plot: uPlot | null = null;
  private curves: RunCurve[] = [];
  private kind: CurveKind = "pr";
  private readonly resizer = new ResizeObserver(() => this.resize());

  constructor() {
    this.el = element("div", "pr-plot");
    this.tooltip = element("div", "pr-tooltip");
    this.tooltip.hidden = true;
    this.marker = element("div", "pr-marker");
    this.marker.hidden = true;
    this.resizer.observe(this.el);
  }

  /** The uPlot drawn (for tests), or null. */
  get uplot(): uPlot | null {
    return this.plot;
  }

  /** Draws `curves` (one per run) as `kind`. */
  draw(curves: RunCurve[], kind: CurveKind): void {
    this.curves = curves;
    this.kind = kind;
    this.plot?.destroy();
    this.hide();
    const axis = themeColour("--chart-axis", "#57606a");
    const grid = { stroke: themeColour("--chart-grid", "#eceff2"), width: 1 };
    const [xLabel, yLabel] = kind === "pr" ? ["Recall", "Precision"] : ["False positive rate", "True positive rate (recall)"];
    const facets: uPlot.Series.Facet[] = [
      { scale: "x", auto: false },
      { scale: "y", auto: false },
    ];
    const series: uPlot.Series[] = [{}];
    const data: unknown[] = [null];
    if (kind === "roc") {
      series.push({ label: "chance", stroke: axis, width: 1, dash: [4, 4], points: { show: false }, paths: uPlot.paths.linear?.(), facets });
      data.push([[0, 1], [0, 1]]);
    }
    for (const curve of curves) {
      series.push({ label: curve.run, stroke: runColor(curve.run), width: 2, points: { show: false }, paths: uPlot.paths.linear?.(), facets });
      data.push(curveXY(curve.point, kind));
    }
    const opts: uPlot.Options = {
      mode: 2,
      width: this.el.clientWidth || 400,
      height: this.el.clientHeight || 260,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, auto: false, range: [0, 1] }, y: { auto: false, range: [0, 1] } },
      axes: [
        { label: xLabel, stroke: axis, grid, ticks: grid, font: FONT, labelFont: FONT, labelSize: 18 },
        { label: yLabel, stroke: axis, grid, ticks: grid, font: FONT, labelFont: FONT, labelSize: 18, size: 40 },
      ],
      series,
      hooks: { draw: [(u) => this.drawDots(u)] },
    };
    this.plot = new uPlot(opts, data as unknown as uPlot.AlignedData, this.el);
    this.plot.over.append(this.marker, this.tooltip);
    this.plot.over.addEventListener("mousemove", (e) => this.hover(e));
    this.plot.over.addEventListener("mouseleave", () => this.hide());
  }

  /** A PR curve of one threshold (every prediction in one bucket) is a point, which a line cannot show: a dot. */
  private drawDots(u: uPlot): void {
    const { ctx } = u;
    ctx.save();
    for (const curve of this.curves) {
      if (curve.point.thresholds.length !== 1 || this.kind !== "pr") continue;
      ctx.fillStyle = runColor(curve.run);
      ctx.beginPath();
      ctx.arc(u.valToPos(curve.point.recall[0], "x", true), u.valToPos(curve.point.precision[0], "y", true), 4 * devicePixelRatio, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
  }

  destroy(): void {
    this.resizer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private resize(): void {
    if (this.plot && this.el.clientWidth > 0) this.plot.setSize({ width: this.el.clientWidth, height: this.el.clientHeight || 260 });
  }

  private hide(): void {
    this.tooltip.hidden = true;
    this.marker.hidden = true;
  }

  /** The nearest logged point of any run within HOVER_PX of (x, y) (CSS pixels in the plotting area). */
  private nearest(x: number, y: number): (Hover & { left: number; top: number }) | null {
    const plot = this.plot;
    if (!plot) return null;
    let best: (Hover & { left: number; top: number }) | null = null;
    let bestDistance = HOVER_PX * HOVER_PX;
    for (const curve of this.curves) {
      const [xs, ys] = curveXY(curve.point, this.kind);
      const logged = curve.point.thresholds.length; // the ROC curve's added end is no threshold
      for (let i = 0; i < logged; i++) {
        const left = plot.valToPos(xs[i], "x");
        const top = plot.valToPos(ys[i], "y");
        const d = (left - x) ** 2 + (top - y) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = { run: curve.run, step: curve.point.step, index: i, left, top };
        }
      }
    }
    return best;
  }

  private hover(e: MouseEvent): void {
    const plot = this.plot;
    if (!plot) return;
    const box = plot.over.getBoundingClientRect();
    const found = this.nearest(e.clientX - box.left, e.clientY - box.top);
    if (!found) {
      this.hide();
      return;
    }
    const curve = this.curves.find((c) => c.run === found.run);
    if (!curve) return;
    const p = curve.point;
    const i = found.index;
    const rows: [string, string][] = [
      ["Step", formatStep(p.step)],
      ["Threshold", formatValue(p.thresholds[i])],
      ["Precision", formatValue(p.precision[i])],
      ["Recall", formatValue(p.recall[i])],
    ];
    if (this.kind === "roc") rows.push(["FPR", formatValue(p.fpr[i])]);
    rows.push(
      ["TP", String(p.true_positives[i])],
      ["FP", String(p.false_positives[i])],
      ["TN", String(p.true_negatives[i])],
      ["FN", String(p.false_negatives[i])],
    );
    const title = element("div", "pr-tooltip-run");
    const swatch = element("span", "pr-swatch");
    swatch.style.background = runColor(curve.run);
    title.append(swatch, element("span", "", curve.run));
    const table = element("table", "");
    for (const [name, value] of rows) {
      const tr = document.createElement("tr");
      tr.dataset.field = name.toLowerCase();
      tr.append(element("th", "", name), element("td", "", value));
      table.append(tr);
    }
    this.tooltip.replaceChildren(title, table);
    Object.assign(this.tooltip.dataset, { run: curve.run, step: String(p.step), index: String(i) });
    this.tooltip.hidden = false;
    this.marker.hidden = false;
    this.marker.style.left = `${found.left}px`;
    this.marker.style.top = `${found.top}px`;
    this.marker.style.borderColor = runColor(curve.run);
    // Beside the point, on the side with room.
    const width = plot.over.clientWidth;
    const flip = found.left > width / 2;
    this.tooltip.style.left = flip ? "" : `${found.left + 12}px`;
    this.tooltip.style.right = flip ? `${width - found.left + 12}px` : "";
    this.tooltip.style.top = `${Math.max(0, Math.min(found.top - 20, plot.over.clientHeight - 200))}px`;
  }
}
