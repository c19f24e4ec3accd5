// The histograms dashboard: a card per histogram tag with a panel per selected run (offset, overlay or heatmap),
// or one panel overlaying the latest histogram of every selected run; mode, axis and step range in the sidebar.

import "./style.css";
import { byId } from "../../dom";
import { TagGrid } from "../../taggrid";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { RunsCard } from "./cards";
import { HistControls } from "./options";
import { HistPanel } from "./panel";

class HistogramsDashboard implements Dashboard {
  readonly el: HTMLElement;
  readonly controls: HTMLElement;
  private readonly grid: TagGrid<RunsCard<HistPanel>>;
  private readonly settings: HistControls;
  private logdir = "";

  constructor(private readonly ctx: DashboardContext) {
    this.settings = new HistControls((what) => this.changed(what));
    this.controls = this.settings.el;
    const sidebar = byId("sidebar");
    sidebar.insertBefore(this.controls, sidebar.querySelector(".runs-panel"));
    const options = () => this.settings.options;
    const make = (tag: string, runs: string[]) => {
      const card: RunsCard<HistPanel> = new RunsCard(
        "histograms",
        tag,
        runs,
        ctx,
        (run) => new HistPanel(tag, run, ctx, options, () => ctx.selectedAmong(card.runs) ?? card.runs),
        () => this.settings.options.mode === "runs",
      );
      return card;
    };
    this.grid = new TagGrid(make, () => `No histogram data yet in ${this.logdir} — waiting…`, ctx.scroller);
    this.el = this.grid.el;
    this.el.classList.add("hist-dashboard");
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.redraw());
  }

  setTags(tags: Record<string, string[]>, logdir: string): void {
    this.logdir = logdir;
    this.grid.setTags(tags);
  }

  refreshAll(): void {
    this.persist();
    this.grid.refreshAll();
  }

  setTagFilter(filter: RegExp | null): void {
    this.persist();
    this.grid.setTagFilter(filter);
  }

  settingChanged(): void {
    this.persist();
  }

  shown(): void {
    this.refreshAll();
  }

  /** Puts this dashboard's options back in the address bar (the page rewrites it from the shared settings). */
  private persist(): void {
    if (this.ctx.settings.dashboard === "histograms") this.settings.persist();
  }

  private changed(what: "mode" | "axis" | "range"): void {
    this.persist();
    if (what === "mode") for (const card of this.grid.cards()) card.rebuild();
    else if (what === "axis") this.redraw();
    else this.grid.refreshAll();
  }

  private redraw(): void {
    for (const card of this.grid.cards()) for (const panel of card.shown()) panel.redraw();
  }
}

export const histograms: DashboardModule = { name: "histograms", create: (ctx) => new HistogramsDashboard(ctx) };
