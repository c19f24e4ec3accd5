// A PR curves tag's card: one chart with the selected runs overlaid (the first RUN_LIMIT), each at the step its
// own slider picks (latest by default), PR or ROC; under it a row per run with its slider and the areas under
// both curves at that step.

import { runColor } from "../../colors";
import { element } from "../../dom";
import { formatStep } from "../../format";
import { fetchStepRange, fetchSteps, Stepper } from "../../steps";
import type { Card } from "../../taggrid";
import type { DashboardContext } from "../types";
import type { CurveKind, PrPoint, RunCurve } from "./api";
import { PrPlot } from "./plot";

/** Runs drawn on one chart at most (the first ones selected). */
export const RUN_LIMIT = 20;

type State = "loading" | "drawn" | "error";

const area = (v: number | null) => (v === null ? "–" : v.toFixed(4));

/** One run's row: its step slider, areas, and the curves fetched so far. */
class RunRow {
  readonly el: HTMLDivElement;
  readonly stepper: Stepper;
  private readonly areas: HTMLSpanElement;
  readonly cache = new Map<number, PrPoint>();
  /** Steps whose curve was asked for (a step listed whose value cannot be read has none in `cache`). */
  readonly asked = new Set<number>();
  stepsKey = "";

  constructor(readonly run: string, tag: string, picked: () => void) {
    this.el = element("div", "pr-run");
    Object.assign(this.el.dataset, { kind: "pr_curves", tag, run });
    const swatch = element("span", "pr-swatch");
    swatch.style.background = runColor(run);
    const name = element("span", "pr-run-name", run);
    name.title = run;
    this.areas = element("span", "pr-areas");
    this.stepper = new Stepper(() => picked());
    this.el.append(swatch, name, this.areas, this.stepper.el);
  }

  /** The curve at the step chosen, when fetched. */
  get point(): PrPoint | null {
    const step = this.stepper.step;
    return step === null ? null : (this.cache.get(step) ?? null);
  }

  show(state: State): void {
    this.el.dataset.state = state;
    const point = this.point;
    if (point) {
      this.el.dataset.step = String(point.step);
      this.areas.textContent = `PR-AUC ${area(point.pr_auc)} · ROC-AUC ${area(point.roc_auc)}`;
      this.areas.title = `Areas under the curves at step ${formatStep(point.step)} (trapezoids between its thresholds)`;
      this.areas.dataset.prAuc = String(point.pr_auc);
      this.areas.dataset.rocAuc = String(point.roc_auc);
    } else {
      const step = this.stepper.step;
      if (step === null) delete this.el.dataset.step;
      else this.el.dataset.step = String(step);
      // A step listed whose value could not be read (a damaged file): said, not drawn.
      this.areas.textContent = step === null ? "" : `no curve could be read at step ${formatStep(step)}`;
      delete this.areas.dataset.prAuc;
      delete this.areas.dataset.rocAuc;
    }
  }
}

export class PrCard implements Card {
  readonly el: HTMLDivElement;
  visible = false;
  private readonly plot = new PrPlot();
  private readonly message: HTMLDivElement;
  private readonly note: HTMLParagraphElement;
  private readonly rowsEl: HTMLDivElement;
  private readonly kindButtons: Record<CurveKind, HTMLButtonElement>;
  private readonly rows = new Map<string, RunRow>();
  private kind: CurveKind = "pr";
  private controller: AbortController | null = null;
  /** The curves and kind drawn: unchanged, the plot is not rebuilt (new data elsewhere, a hover kept). */
  private drawnCurves: unknown[] = [];

  constructor(
    readonly tag: string,
    public runs: string[],
    private readonly ctx: DashboardContext,
  ) {
    this.el = element("div", "pr-card");
    Object.assign(this.el.dataset, { kind: "pr_curves", tag, curve: this.kind });
    const head = element("div", "pr-head");
    const title = element("h3", "pr-title", tag);
    title.title = tag;
    const toggle = element("div", "pr-kind");
    toggle.setAttribute("role", "group");
    toggle.setAttribute("aria-label", "Curve");
    this.kindButtons = { pr: element("button", "pr-kind-pr", "PR"), roc: element("button", "pr-kind-roc", "ROC") };
    for (const kind of ["pr", "roc"] as const) {
      const button = this.kindButtons[kind];
      button.type = "button";
      button.title = kind === "pr" ? "Precision over recall" : "ROC curve: true positive rate over false positive rate";
      button.addEventListener("click", () => this.setKind(kind));
      toggle.append(button);
    }
    head.append(title, toggle);
    const body = element("div", "pr-body");
    this.message = element("div", "pr-message");
    body.append(this.plot.el, this.message);
    this.note = element("p", "pr-note");
    this.note.hidden = true;
    this.rowsEl = element("div", "pr-runs");
    this.el.append(head, body, this.note, this.rowsEl);
    this.setKind("pr", false);
    this.setState("loading");
  }

  /** Lists each selected run's steps (when new data came) and draws the curves at the steps chosen. */
  async refresh(): Promise<void> {
    if (!this.visible) return;
    const selected = this.ctx.selectedAmong(this.runs) ?? this.runs;
    const shown = selected.slice(0, RUN_LIMIT);
    this.note.hidden = selected.length <= RUN_LIMIT;
    this.note.textContent = `${RUN_LIMIT} of ${selected.length} runs drawn: filter the runs to choose others.`;
    const keep = new Set(shown);
    for (const [run, row] of this.rows) {
      if (!keep.has(run)) {
        row.el.remove();
        this.rows.delete(run);
        this.ctx.hooks.drawnAt.delete(`pr_curves:${run}:${this.tag}`);
      }
    }
    shown.forEach((run, i) => {
      let row = this.rows.get(run);
      if (!row) {
        row = new RunRow(run, this.tag, () => void this.load());
        this.rows.set(run, row);
      }
      if (this.rowsEl.children[i] !== row.el) this.rowsEl.insertBefore(row.el, this.rowsEl.children[i] ?? null);
    });
    await this.load();
  }

  destroy(): void {
    this.controller?.abort();
    this.controller = null;
    this.plot.destroy();
    this.ctx.hooks.charts.delete(`pr_curves:${this.tag}`);
    this.ctx.hooks.drawnAt.delete(`pr_curves:${this.tag}`);
    for (const run of this.rows.keys()) this.ctx.hooks.drawnAt.delete(`pr_curves:${run}:${this.tag}`);
    this.el.remove();
  }

  /** Fetches what is missing (steps of new data, curves of the steps chosen) and draws. */
  private async load(): Promise<void> {
    const generation = String(this.ctx.generation());
    const rows = [...this.rows.values()];
    const current = (row: RunRow) => row.stepsKey === generation && (row.stepper.step === null || row.asked.has(row.stepper.step));
    if (this.controller === null && rows.every(current)) {
      this.draw(); // nothing to fetch (a poll without new data here): no request, no "loading" flicker
      return;
    }
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const { signal } = controller;
    this.setState("loading");
    try {
      await Promise.all(
        rows.map(async (row) => {
          if (row.stepsKey !== generation) {
            const answer = await fetchSteps("pr_curves", row.run, this.tag, "", signal);
            const before = row.stepper.all;
            if (!before.every((step, i) => answer.steps[i] === step)) {
              row.cache.clear(); // the run was rewritten
              row.asked.clear();
            }
            row.stepper.setSteps(answer.steps);
            row.stepsKey = generation;
          }
          const step = row.stepper.step;
          if (step !== null && !row.asked.has(step)) {
            for (const point of await fetchStepRange<PrPoint>("pr_curves", row.run, this.tag, step, step, signal)) {
              row.cache.set(point.step, point);
            }
            row.asked.add(step);
          }
        }),
      );
    } catch (e) {
      if (signal.aborted) return;
      this.controller = null;
      for (const row of rows) row.stepsKey = "";
      this.fail(e);
      return;
    }
    if (signal.aborted) return;
    this.controller = null;
    this.draw();
  }

  private draw(): void {
    const curves: RunCurve[] = [];
    for (const row of this.rows.values()) {
      row.show("drawn");
      const point = row.point;
      if (point) curves.push({ run: row.run, point });
    }
    this.message.replaceChildren();
    if (this.rows.size === 0) this.message.textContent = "No selected run has this tag.";
    const shows = [this.kind, ...curves.flatMap((c) => [c.run, c.point])];
    if (shows.length !== this.drawnCurves.length || shows.some((v, i) => v !== this.drawnCurves[i])) {
      try {
        this.plot.draw(curves, this.kind);
      } catch (e) {
        this.fail(e);
        return;
      }
      this.drawnCurves = shows;
    }
    this.ctx.hooks.charts.set(`pr_curves:${this.tag}`, { plot: this.plot.uplot, response: curves });
    this.setState("drawn");
    const now = performance.now();
    this.ctx.hooks.drawnAt.set(`pr_curves:${this.tag}`, now);
    for (const row of this.rows.values()) this.ctx.hooks.drawnAt.set(`pr_curves:${row.run}:${this.tag}`, now);
  }

  private setKind(kind: CurveKind, redraw = true): void {
    this.kind = kind;
    this.el.dataset.curve = kind;
    for (const k of ["pr", "roc"] as const) this.kindButtons[k].setAttribute("aria-pressed", String(k === kind));
    if (redraw && this.el.dataset.state === "drawn") this.draw();
  }

  private fail(e: unknown): void {
    this.drawnCurves = [];
    this.setState("error");
    for (const row of this.rows.values()) row.show("error");
    this.message.replaceChildren(element("span", "", `Could not load: ${e instanceof Error ? e.message : String(e)}`));
    const retry = element("button", "retry", "Retry");
    retry.type = "button";
    retry.addEventListener("click", () => void this.refresh());
    this.message.append(retry);
  }

  private setState(state: State): void {
    this.el.dataset.state = state;
  }
}
