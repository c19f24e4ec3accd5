// A tag's card holding one panel per selected run (shared by the histograms and distributions dashboards): the
// panels follow the run selection, and each fetches and draws only while it is near the viewport (a card of
// 1,000 runs fetches the few dozen panels on screen).

import { element } from "../../dom";
import type { Card } from "../../taggrid";
import type { DashboardContext } from "../types";

/** One run's view of the tag inside a card. */
export interface Panel {
  readonly el: HTMLElement;
  /** Fetch and draw what is out of date. */
  refresh(): void;
  destroy(): void;
}

/** The key of the panel that shows all runs (no run name can be empty). */
const ALL = "";

export class RunsCard<P extends Panel> implements Card {
  readonly el: HTMLDivElement;
  visible = false;
  private readonly body: HTMLDivElement;
  private readonly note: HTMLParagraphElement;
  private readonly panels = new Map<string, P>();
  /** Panels in or near the viewport. */
  private readonly near = new WeakSet<Element>();
  private readonly byElement = new WeakMap<Element, P>();
  private readonly observer: IntersectionObserver;

  constructor(
    readonly kind: string,
    readonly tag: string,
    public runs: string[],
    private readonly ctx: DashboardContext,
    /** A panel of one run, or (run null) of all the selected runs together. */
    private readonly make: (run: string | null) => P,
    /** Whether one panel shows all the selected runs (e.g. runs overlaid) instead of a panel per run. */
    private readonly combined: () => boolean = () => false,
  ) {
    this.el = element("div", "chart hist-card");
    this.el.dataset.kind = kind;
    this.el.dataset.tag = tag;
    const head = element("div", "chart-head");
    const title = element("h3", "chart-title");
    title.title = tag;
    const slash = tag.indexOf("/");
    if (slash >= 0) title.append(element("span", "chart-prefix", tag.slice(0, slash + 1)));
    title.append(tag.slice(slash + 1));
    head.append(title);
    this.body = element("div", "hist-panels");
    this.note = element("p", "hist-note");
    this.el.append(head, this.note, this.body);
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) {
            this.near.delete(entry.target);
            continue;
          }
          this.near.add(entry.target);
          if (this.visible) this.byElement.get(entry.target)?.refresh();
        }
      },
      { root: ctx.scroller, rootMargin: "100% 0px" },
    );
  }

  /** The panels shown (for the dashboard's settings changes). */
  shown(): IterableIterator<P> {
    return this.panels.values();
  }

  /** Drops every panel: they are made anew (another mode) at the next refresh. */
  rebuild(): void {
    for (const panel of this.panels.values()) this.drop(panel);
    this.panels.clear();
    this.body.replaceChildren();
    void this.refresh();
  }

  refresh(): void {
    if (!this.visible) return;
    const selected = this.ctx.selectedAmong(this.runs) ?? this.runs;
    this.note.textContent = selected.length === 0 ? "No selected run has this tag." : "";
    this.note.hidden = selected.length !== 0;
    const together = selected.length > 0 && this.combined();
    const wanted = together ? [ALL] : selected;
    const keep = new Set(wanted);
    for (const [run, panel] of this.panels) {
      if (!keep.has(run)) {
        this.drop(panel);
        this.panels.delete(run);
      }
    }
    wanted.forEach((run, i) => {
      let panel = this.panels.get(run);
      if (!panel) {
        panel = this.make(run === ALL ? null : run);
        this.panels.set(run, panel);
        this.byElement.set(panel.el, panel);
      }
      if (this.body.children[i] !== panel.el) {
        this.body.insertBefore(panel.el, this.body.children[i] ?? null);
        this.observer.observe(panel.el);
        // On screen now: fetch at once rather than at the observer's first call, a frame or more later.
        if (this.nearView(panel.el)) this.near.add(panel.el);
      }
    });
    for (const panel of this.panels.values()) if (this.near.has(panel.el)) panel.refresh();
  }

  /** Whether `el` is within a screen's height of the visible area (as the observer counts it). */
  private nearView(el: HTMLElement): boolean {
    const box = el.getBoundingClientRect();
    const view = this.ctx.scroller.getBoundingClientRect();
    return box.bottom >= view.top - view.height && box.top <= view.bottom + view.height;
  }

  private drop(panel: P): void {
    this.observer.unobserve(panel.el);
    this.near.delete(panel.el);
    panel.destroy();
  }

  destroy(): void {
    for (const panel of this.panels.values()) this.drop(panel);
    this.panels.clear();
    this.observer.disconnect();
    this.el.remove();
  }
}

/** A panel's frame: run name in its colour, the drawing area, a message line and the "N of M steps shown" line. */
export function panelFrame(kind: string, tag: string, run: string | null, color: string | null) {
  const el = element("div", "hist-panel");
  el.dataset.kind = kind;
  el.dataset.tag = tag;
  if (run !== null) el.dataset.run = run;
  el.dataset.state = "loading";
  const label = element("div", "hist-run");
  if (run !== null && color) {
    const swatch = element("span", "hist-swatch");
    swatch.style.background = color;
    label.append(swatch, element("span", "hist-run-name", run));
    label.title = run;
  }
  const plot = element("div", "hist-plot");
  const message = element("div", "chart-message");
  const foot = element("div", "hist-foot");
  const count = element("span", "hist-count");
  foot.append(count);
  el.append(label, plot, message, foot);
  return { el, label, plot, message, foot, count };
}
