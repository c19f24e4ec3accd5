// The PR curves dashboard: a chart per tag with the selected runs overlaid, each run at its own step (slider,
// latest by default), precision over recall or the ROC curve, and each run's PR-AUC and ROC-AUC at that step.

import { TagGrid } from "../../taggrid";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { PrCard } from "./card";
import "./style.css";

class PrCurvesDashboard implements Dashboard {
  readonly el: HTMLElement;
  private readonly grid: TagGrid<PrCard>;
  private logdir = "";

  constructor(ctx: DashboardContext) {
    const empty = () => `No PR curve data yet in ${this.logdir} — waiting…`;
    this.grid = new TagGrid((tag, runs) => new PrCard(tag, runs, ctx), empty, ctx.scroller);
    this.el = this.grid.el;
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

export const prCurves: DashboardModule = { name: "pr_curves", create: (ctx) => new PrCurvesDashboard(ctx) };
