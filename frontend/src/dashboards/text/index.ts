// The text dashboard: a card per text tag, in it a panel per run with a step slider (latest by default), an
// "all steps" list, Markdown on or off, and a search across every step. The search and Markdown off are kept in
// the address bar (`textq`, `markdown=0`); the shared settings rewrite the query string from their own keys, so
// they are written again whenever this dashboard is shown or refreshed.

import { debounce } from "../../debounce";
import { element } from "../../dom";
import { TagGrid } from "../../taggrid";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { TextTagCard } from "./card";
import type { TextOptions } from "./panel";
import "./style.css";

/** The query string as the page was opened (read before the page normalises the address bar). */
const OPENED = new URLSearchParams(location.search);

class TextDashboard implements Dashboard {
  readonly el: HTMLElement;
  private readonly grid: TagGrid<TextTagCard>;
  private readonly options: TextOptions = { markdown: OPENED.get("markdown") !== "0", query: (OPENED.get("textq") ?? "").trim() };
  private logdir = "";

  constructor(ctx: DashboardContext) {
    const empty = () => `No text data yet in ${this.logdir} — waiting…`;
    this.grid = new TagGrid((tag, runs) => new TextTagCard(tag, runs, ctx, () => this.options), empty, ctx.scroller);
    const bar = element("div", "text-toolbar");
    const markdown = element("label", "check text-markdown");
    const box = element("input", "");
    box.type = "checkbox";
    box.checked = this.options.markdown;
    box.addEventListener("change", () => {
      this.options.markdown = box.checked;
      this.persist();
      for (const card of this.grid.cards()) card.redraw();
    });
    markdown.append(box, " Markdown");
    markdown.title = "Render text as Markdown (sanitized), or show it as written";
    const search = element("input", "text-search");
    search.type = "search";
    search.placeholder = "Search text across steps";
    search.spellcheck = false;
    search.setAttribute("aria-label", "Search text across steps");
    search.value = this.options.query;
    const apply = debounce(() => {
      this.options.query = search.value.trim();
      this.persist();
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
    this.persist();
    this.grid.refreshAll();
  }

  setTagFilter(filter: RegExp | null): void {
    this.grid.setTagFilter(filter);
  }

  shown(): void {
    this.refreshAll();
  }

  /** Writes the search and the Markdown switch into the address bar (defaults left out), keeping the rest. */
  private persist(): void {
    const q = new URLSearchParams(location.search);
    if (q.get("dashboard") !== "text") return; // another dashboard's address
    const set = (key: string, value: string | null) => (value === null ? q.delete(key) : q.set(key, value));
    set("textq", this.options.query || null);
    set("markdown", this.options.markdown ? null : "0");
    const search = q.toString();
    const url = `${location.pathname}${search ? `?${search}` : ""}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
  }
}

export const text: DashboardModule = { name: "text", create: (ctx) => new TextDashboard(ctx) };
