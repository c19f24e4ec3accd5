// One run's text of one tag: a step slider (latest by default) and that step's text, or the list of every step
// (newest first, a page at a time); with a search, only the steps whose text holds it. Texts are fetched per step
// shown and kept.

import { runColor } from "../../colors";
import { element } from "../../dom";
import { formatDate, formatStep } from "../../format";
import { fetchStepRange, fetchSteps, Stepper } from "../../steps";
import type { DashboardContext } from "../types";
import type { TextPoint } from "./api";
import { renderText } from "./render";

/** The dashboard-wide options every panel follows. */
export interface TextOptions {
  markdown: boolean;
  /** Search: only steps whose text holds this (ignoring case); "" for all. */
  query: string;
}

/** Steps of the "all steps" list shown at first, and added by "Show more". */
export const LIST_PAGE = 20;

type State = "loading" | "drawn" | "error";

export class TextPanel {
  readonly el: HTMLDivElement;
  private readonly stepper: Stepper;
  private readonly allButton: HTMLButtonElement;
  private readonly count: HTMLSpanElement;
  private readonly body: HTMLDivElement;
  private readonly more: HTMLButtonElement;
  private readonly message: HTMLDivElement;
  private showAll = false;
  private listed = LIST_PAGE;
  private readonly cache = new Map<number, TextPoint>();
  /** Generation and search of the steps listed. */
  private stepsKey = "";
  private query = "";
  private total = 0;
  private controller: AbortController | null = null;
  /** What the body shows (steps, their texts, Markdown or not): unchanged, it is not rebuilt, so new data
   * elsewhere in the logdir does not reset a reader's scroll position or text selection. */
  private rendered: unknown[] = [];

  constructor(
    readonly run: string,
    readonly tag: string,
    private readonly ctx: Pick<DashboardContext, "generation" | "hooks">,
    private readonly options: () => TextOptions,
  ) {
    this.el = element("div", "text-card");
    Object.assign(this.el.dataset, { kind: "text", tag, run });
    const head = element("div", "text-card-head");
    const swatch = element("span", "text-swatch");
    swatch.style.background = runColor(run);
    const name = element("span", "text-run", run);
    name.title = run;
    this.count = element("span", "text-count");
    this.allButton = element("button", "text-all", "All steps");
    this.allButton.type = "button";
    this.allButton.title = "List every step's text, newest first";
    this.allButton.setAttribute("aria-pressed", "false");
    this.allButton.addEventListener("click", () => {
      this.showAll = !this.showAll;
      this.listed = LIST_PAGE;
      this.allButton.setAttribute("aria-pressed", String(this.showAll));
      void this.show();
    });
    head.append(swatch, name, this.count, this.allButton);
    this.stepper = new Stepper(() => void this.show());
    this.body = element("div", "text-body");
    this.more = element("button", "text-more");
    this.more.type = "button";
    this.more.hidden = true;
    this.more.addEventListener("click", () => {
      this.listed += LIST_PAGE;
      void this.show();
    });
    this.message = element("div", "text-message");
    this.el.append(head, this.stepper.el, this.message, this.body, this.more);
    this.setState("loading");
  }

  /** Brings the steps up to date (new data or another search), then shows what is chosen. */
  async refresh(): Promise<void> {
    const { query } = this.options();
    const key = JSON.stringify([this.ctx.generation(), query]);
    if (key === this.stepsKey) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.setState("loading");
    let steps: number[];
    try {
      const answer = await fetchSteps("text", this.run, this.tag, query, controller.signal);
      steps = answer.steps;
      this.total = answer.total;
    } catch (e) {
      if (controller.signal.aborted) return;
      this.fail(e);
      return;
    }
    if (controller.signal.aborted) return;
    const before = this.stepper.all;
    // A step's text is kept until the list stops being the old one plus new steps (a run rewritten).
    if (query === this.query && !before.every((step, i) => steps[i] === step)) this.cache.clear();
    this.query = query;
    this.stepsKey = key;
    this.stepper.setSteps(steps);
    await this.show(controller);
  }

  /** Shows the chosen step, or the list of steps, fetching the texts not fetched yet. */
  async show(controller = new AbortController()): Promise<void> {
    if (this.controller !== controller) {
      this.controller?.abort();
      this.controller = controller;
    }
    const steps = this.stepper.all;
    const { query } = this.options();
    this.count.textContent = query
      ? `${formatStep(steps.length)} of ${formatStep(this.total)} steps match`
      : `${formatStep(this.total)} step${this.total === 1 ? "" : "s"}`;
    this.stepper.el.hidden = this.showAll;
    if (steps.length === 0) {
      this.rendered = [];
      this.body.replaceChildren();
      this.more.hidden = true;
      this.message.textContent = query ? `No step's text holds “${query}”.` : "No text logged yet.";
      delete this.el.dataset.step;
      this.drawn();
      return;
    }
    const wanted = this.showAll ? [...steps].reverse().slice(0, this.listed) : [this.stepper.step as number];
    try {
      await this.load(wanted, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return;
      this.fail(e);
      return;
    }
    if (controller.signal.aborted) return;
    this.message.textContent = "";
    const { markdown } = this.options();
    const shows = [markdown, this.showAll, steps.length, ...wanted.map((step) => this.cache.get(step))];
    if (shows.length === this.rendered.length && shows.every((v, i) => v === this.rendered[i])) {
      this.drawn();
      return;
    }
    this.rendered = shows;
    if (this.showAll) {
      delete this.el.dataset.step;
      this.body.replaceChildren(...wanted.map((step) => this.entry(step, markdown)));
      const left = steps.length - wanted.length;
      this.more.hidden = left <= 0;
      this.more.textContent = `Show ${Math.min(left, LIST_PAGE)} more (${formatStep(left)} not shown)`;
    } else {
      this.el.dataset.step = String(wanted[0]);
      this.body.replaceChildren(this.entry(wanted[0], markdown));
      this.more.hidden = true;
    }
    this.drawn();
  }

  /** Redraws what is shown (Markdown turned on or off): no fetch. */
  redraw(): void {
    if (this.el.dataset.state === "drawn") void this.show();
  }

  destroy(): void {
    this.controller?.abort();
    this.ctx.hooks.drawnAt.delete(`text:${this.run}:${this.tag}`);
    this.el.remove();
  }

  /** Fetches the texts of `steps` not fetched yet: one range request when they follow each other in the list,
   * else one request each. */
  private async load(steps: number[], signal: AbortSignal): Promise<void> {
    const missing = steps.filter((step) => !this.cache.has(step));
    if (missing.length === 0) return;
    const lo = Math.min(...missing);
    const hi = Math.max(...missing);
    const all = this.stepper.all;
    const between = all.filter((step) => step >= lo && step <= hi).length;
    const ranges: [number, number][] = between <= 2 * missing.length ? [[lo, hi]] : missing.map((s) => [s, s]);
    const answers = await Promise.all(
      ranges.map(([from, to]) => fetchStepRange<TextPoint>("text", this.run, this.tag, from, to, signal)),
    );
    for (const points of answers) for (const point of points) this.cache.set(point.step, point);
  }

  private entry(step: number, markdown: boolean): HTMLElement {
    const item = element("article", "text-entry");
    item.dataset.step = String(step);
    const point = this.cache.get(step);
    const head = element("div", "text-entry-head", `Step ${formatStep(step)}`);
    if (point) head.append(element("span", "text-time", formatDate(point.wall_time)));
    item.append(head);
    item.append(point ? renderText(point.text, markdown) : element("p", "text-note", "(no text could be read at this step)"));
    return item;
  }

  private drawn(): void {
    this.setState("drawn");
    this.ctx.hooks.drawnAt.set(`text:${this.run}:${this.tag}`, performance.now());
  }

  private fail(e: unknown): void {
    this.stepsKey = "";
    this.rendered = [];
    this.setState("error");
    this.body.replaceChildren();
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
