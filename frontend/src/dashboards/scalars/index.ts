// The scalars dashboard: a chart per scalar tag with every selected run (smoothing, x axis, log scale, zoom,
// downloads), its settings in the sidebar.

import { byId } from "../../dom";
import type { SettingKey } from "../../settings";
import { TagGrid } from "../../taggrid";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { Chart } from "./chart";

class ScalarsDashboard implements Dashboard {
  readonly el: HTMLElement;
  readonly controls = byId("scalars-settings");
  private readonly grid: TagGrid<Chart>;
  private logdir = "";
  private pendingFocus: { tag: string; step: number } | null = null;

  constructor(ctx: DashboardContext) {
    const empty = () => `No scalar data yet in ${this.logdir} — waiting…`;
    this.grid = new TagGrid((tag, runs) => new Chart(tag, runs, ctx), empty, ctx.scroller);
    this.el = this.grid.el;
    // The plots draw with colours read from CSS: rebuild them when the system theme flips.
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.restyle());
  }

  setTags(tags: Record<string, string[]>, logdir: string): void {
    this.logdir = logdir;
    this.grid.setTags(tags);
    if (this.pendingFocus) this.focus(this.pendingFocus.tag, this.pendingFocus.step);
  }

  refreshAll(): void {
    this.grid.refreshAll();
  }

  setTagFilter(filter: RegExp | null): void {
    this.grid.setTagFilter(filter);
  }

  settingChanged(key: SettingKey): void {
    switch (key) {
      case "smoothing":
        this.refreshAll();
        break;
      case "x":
        for (const chart of this.grid.cards()) chart.resetZoom(); // the x axis changed units: zooms no longer apply
        this.refreshAll();
        break;
      case "logY":
      case "ignoreOutliers":
        this.restyle();
        break;
    }
  }

  shown(): void {
    this.refreshAll();
  }

  focus(tag: string, step: number): void {
    const chart = this.grid.reveal(tag);
    this.pendingFocus = chart ? null : { tag, step }; // made before its tags came: once they do
    chart?.zoomAround(step);
  }

  alertsChanged(): void {
    this.restyle();
  }

  /** Log scale, outliers or theme changed: rebuild the plots, no refetch. */
  private restyle(): void {
    for (const chart of this.grid.cards()) chart.restyle();
  }
}

export const scalars: DashboardModule = { name: "scalars", create: (ctx) => new ScalarsDashboard(ctx) };
