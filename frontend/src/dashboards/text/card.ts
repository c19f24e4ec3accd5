// A text tag's card: one panel per selected run that has the tag (the first RUN_PAGE, "Show more runs" for the
// next), made and fetched only while the card is near the viewport.

import { element } from "../../dom";
import type { Card } from "../../taggrid";
import type { DashboardContext } from "../types";
import { TextPanel, type TextOptions } from "./panel";

export const RUN_PAGE = 12;

export class TextTagCard implements Card {
  readonly el: HTMLDivElement;
  visible = false;
  private readonly panelsEl: HTMLDivElement;
  private readonly moreRuns: HTMLButtonElement;
  private readonly notice: HTMLParagraphElement;
  private readonly panels = new Map<string, TextPanel>();
  private runsShown = RUN_PAGE;

  constructor(
    readonly tag: string,
    public runs: string[],
    private readonly ctx: DashboardContext,
    private readonly options: () => TextOptions,
  ) {
    this.el = element("div", "text-tag");
    Object.assign(this.el.dataset, { kind: "text", tag });
    const title = element("h3", "text-tag-title", tag);
    title.title = tag;
    this.notice = element("p", "text-note");
    this.panelsEl = element("div", "text-panels");
    this.moreRuns = element("button", "text-more-runs");
    this.moreRuns.type = "button";
    this.moreRuns.hidden = true;
    this.moreRuns.addEventListener("click", () => {
      this.runsShown += RUN_PAGE;
      void this.refresh();
    });
    this.el.append(title, this.notice, this.panelsEl, this.moreRuns);
  }

  /** Shows a panel per selected run and brings each up to date. */
  async refresh(): Promise<void> {
    if (!this.visible) return;
    const selected = this.ctx.selectedAmong(this.runs) ?? this.runs;
    const shown = selected.slice(0, this.runsShown);
    const keep = new Set(shown);
    for (const [run, panel] of this.panels) {
      if (!keep.has(run)) {
        panel.destroy();
        this.panels.delete(run);
      }
    }
    shown.forEach((run, i) => {
      let panel = this.panels.get(run);
      if (!panel) {
        panel = new TextPanel(run, this.tag, this.ctx, this.options);
        this.panels.set(run, panel);
      }
      if (this.panelsEl.children[i] !== panel.el) this.panelsEl.insertBefore(panel.el, this.panelsEl.children[i] ?? null);
    });
    const left = selected.length - shown.length;
    this.moreRuns.hidden = left <= 0;
    this.moreRuns.textContent = `Show ${Math.min(left, RUN_PAGE)} more runs (${left} not shown)`;
    this.notice.textContent = selected.length === 0 ? "No selected run has this tag." : "";
    this.notice.hidden = selected.length !== 0;
    await Promise.all([...this.panels.values()].map((panel) => panel.refresh()));
  }

  /** Markdown turned on or off. */
  redraw(): void {
    for (const panel of this.panels.values()) panel.redraw();
  }

  destroy(): void {
    for (const panel of this.panels.values()) panel.destroy();
    this.panels.clear();
  }
}
