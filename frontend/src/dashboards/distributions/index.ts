// The distributions dashboard: a card per histogram tag with a chart per selected run of TensorBoard's nine
// percentile bands at every step shown.

import "../histograms/style.css";
import "./style.css";
import { byId } from "../../dom";
import { TagGrid } from "../../taggrid";
import { RunsCard } from "../histograms/cards";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { DistributionChart } from "./chart";
import { DistControls } from "./options";

class DistributionsDashboard implements Dashboard {
  readonly el: HTMLElement;
  readonly controls: HTMLElement;
  private readonly grid: TagGrid<RunsCard<DistributionChart>>;
  private readonly options: DistControls;
  private logdir = "";

  constructor(private readonly ctx: DashboardContext) {
    this.options = new DistControls(() => {
      this.persist();
      for (const card of this.grid.cards()) for (const chart of card.shown()) chart.redraw();
    });
    this.controls = this.options.el;
    const sidebar = byId("sidebar");
    sidebar.insertBefore(this.controls, sidebar.querySelector(".runs-panel"));
    const axis = () => this.options.axis;
    const make = (tag: string, runs: string[]) =>
      new RunsCard("distributions", tag, runs, ctx, (run) => new DistributionChart(tag, run ?? "", ctx, axis));
    this.grid = new TagGrid(make, () => `No histogram data yet in ${this.logdir} — waiting…`, ctx.scroller);
    this.el = this.grid.el;
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      for (const card of this.grid.cards()) for (const chart of card.shown()) chart.redraw();
    });
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

  /** Puts the axis back in the address bar while this tab is shown (the page rewrites it from its settings). */
  private persist(): void {
    if (this.ctx.settings.dashboard === "distributions") this.options.persist();
  }

  shown(): void {
    this.refreshAll();
  }
}

export const distributions: DashboardModule = { name: "distributions", create: (ctx) => new DistributionsDashboard(ctx) };
