// The text dashboard: a card per text tag, in it a panel per run with a step slider (latest by default), an
// "all steps" list, Markdown on or off, and a search across every step.

import { debounce } from "../../debounce";
import { element } from "../../dom";
import { TagGrid } from "../../taggrid";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { TextTagCard } from "./card";
import type { TextOptions } from "./panel";
import "./style.css";

class TextDashboard implements Dashboard {
  readonly el: HTMLElement;
  private readonly grid: TagGrid<TextTagCard>;
  private readonly options: TextOptions = { markdown: true, query: "" };
  private logdir = "";

  constructor(ctx: DashboardContext) {
    const empty = () => `No text data yet in ${this.logdir} — waiting…`;
    this.grid = new TagGrid((tag, runs) => new TextTagCard(tag, runs, ctx, () => this.options), empty, ctx.scroller);
    const bar = element("div", "text-toolbar");
    const markdown = element("label", "check text-markdown");
    const box = element("input", "");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", () => {
      this.options.markdown = box.checked;
      for (const card of this.grid.cards()) card.redraw();
    });
    markdown.append(box, " Markdown");
    markdown.title = "Render text as Markdown (sanitized), or show it as written";
    const search = element("input", "text-search");
    search.type = "search";
    search.placeholder = "Search text across steps";
    search.spellcheck = false;
    search.setAttribute("aria-label", "Search text across steps");
    const apply = debounce(() => {
      this.options.query = search.value.trim();
      this.grid.refreshAll();
    }, 250);
    search.addEventListener("input", apply);
    bar.append(search, markdown);
    this.el = element("div", "text-dashboard");
    this.el.append(bar, this.grid.el);
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

export const text: DashboardModule = { name: "text", create: (ctx) => new TextDashboard(ctx) };
