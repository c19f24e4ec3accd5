// The distributions dashboard: a card per histogram tag with a chart per selected run of TensorBoard's nine
// percentile bands at every step shown.

import "../histograms/style.css";
import "./style.css";
import { TagGrid } from "../../taggrid";
import { RunsCard } from "../histograms/cards";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { DistributionChart } from "./chart";

class DistributionsDashboard implements Dashboard {
  readonly el: HTMLElement;
  private readonly grid: TagGrid<RunsCard<DistributionChart>>;
  private logdir = "";

  constructor(ctx: DashboardContext) {
    const make = (tag: string, runs: string[]) =>
      new RunsCard("distributions", tag, runs, ctx, (run) => new DistributionChart(tag, run ?? "", ctx));
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
    this.grid.refreshAll();
  }

  setTagFilter(filter: RegExp | null): void {
    this.grid.setTagFilter(filter);
  }

  shown(): void {
    this.refreshAll();
  }
}

export const distributions: DashboardModule = { name: "distributions", create: (ctx) => new DistributionsDashboard(ctx) };
