// The custom scalars dashboard: the charts the runs' layouts define (add_custom_scalars), a collapsible section
// per category (closed ones start collapsed), multiline charts of every (run, tag) their regexes match and margin
// charts of a value within its lower-upper band; above them, charts the user composes, kept in the address bar.
// The scalars' settings (smoothing, x axis, log scale, outliers) apply, and their panel shows with this dashboard.

import { element } from "../../dom";
import type { SettingKey } from "../../settings";
import type { Dashboard, DashboardContext, DashboardModule } from "../types";
import { fetchLayout, type Layout, type LayoutChart } from "./api";
import { Catalog } from "./catalog";
import { CustomChart, KIND, describe, type ChartSpec } from "./card";
import { INITIAL, composer, specOf, writeComposed, type Composed } from "./compose";
import "./style.css";

interface Category {
  title: string;
  section: HTMLElement;
  grid: HTMLDivElement;
  specs: ChartSpec[];
  /** Made when the category is first open. */
  cards: CustomChart[] | null;
  collapsed: boolean;
}

/** A layout chart as a card's spec; null for a chart of neither kind. */
function specOfChart(chart: LayoutChart, category: string): ChartSpec | null {
  const title = chart.title || "untitled";
  if (chart.multiline) {
    return { kind: "multiline", title, category, tags: [], regexes: chart.multiline.tag ?? [], triples: [] };
  }
  if (chart.margin) {
    const triples = chart.margin.series ?? [];
    const tags = [...new Set(triples.flatMap((t) => [t.value, t.lower, t.upper]).filter((t): t is string => !!t))];
    return { kind: "margin", title, category, tags, regexes: [], triples };
  }
  return null;
}

class CustomScalarsDashboard implements Dashboard {
  readonly el: HTMLElement;
  private readonly catalog: Catalog;
  private readonly observer: IntersectionObserver;
  private readonly byElement = new WeakMap<Element, CustomChart>();
  private readonly notice: HTMLParagraphElement;
  private readonly categoriesEl: HTMLDivElement;
  private readonly composedSection: HTMLElement;
  private readonly composedGrid: HTMLDivElement;
  private composed: Composed[] = [...INITIAL];
  private composedCards: CustomChart[] = [];
  private categories: Category[] = [];
  private layoutKey: string | null = null;
  private layoutGeneration = -1;
  private layoutError = "";
  private loading = false;
  private filter: RegExp | null = null;
  private logdir = "";

  constructor(private readonly ctx: DashboardContext) {
    this.catalog = new Catalog(ctx);
    this.el = element("div", "cs-dashboard");
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const card = this.byElement.get(entry.target);
          if (!card) continue;
          card.visible = entry.isIntersecting;
          if (card.visible) void card.refresh();
        }
      },
      { root: ctx.scroller, rootMargin: "100% 0px" },
    );
    this.composedSection = element("section", "group cs-composed");
    this.composedSection.append(element("h2", "cs-composed-title", "Composed charts"));
    this.composedGrid = element("div", "group-charts");
    this.composedSection.append(this.composedGrid);
    this.notice = element("p", "notice", "Loading…");
    this.categoriesEl = element("div", "groups");
    const form = composer((c) => {
      this.composed.push(c);
      this.layoutComposed();
      this.syncUrl();
    });
    this.el.append(form, this.composedSection, this.notice, this.categoriesEl);
    this.layoutComposed();
    // The plots draw with colours read from CSS: rebuild them when the system theme flips.
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      for (const card of this.cards()) card.restyle();
    });
    // The scalars' settings panel serves these charts too: shown with this dashboard, hidden when it goes (unless
    // the scalars, its owner, are shown).
    new MutationObserver(() => {
      if (this.el.hidden && ctx.settings.dashboard !== "scalars") settingsPanel()?.setAttribute("hidden", "");
    }).observe(this.el, { attributes: true, attributeFilter: ["hidden"] });
  }

  setTags(_tags: Record<string, string[]>, logdir: string): void {
    this.logdir = logdir;
    void this.loadLayout();
  }

  refreshAll(): void {
    this.syncUrl();
    void this.loadLayout();
    for (const card of this.cards()) if (card.el.isConnected) void card.refresh();
  }

  setTagFilter(filter: RegExp | null): void {
    this.filter = filter;
    this.applyFilter();
    this.syncUrl();
  }

  settingChanged(key: SettingKey): void {
    switch (key) {
      case "x":
        for (const card of this.cards()) card.resetZoom();
        this.refreshAll();
        break;
      case "smoothing":
        this.refreshAll();
        break;
      case "logY":
      case "ignoreOutliers":
        for (const card of this.cards()) card.restyle();
        break;
    }
    this.syncUrl();
  }

  shown(): void {
    settingsPanel()?.removeAttribute("hidden");
    this.refreshAll();
  }

  private *cards(): IterableIterator<CustomChart> {
    yield* this.composedCards;
    for (const category of this.categories) if (category.cards) yield* category.cards;
  }

  /** Keeps the composed charts in the address bar while this dashboard is shown (the page's own settings
   * rewrite it without them). */
  private syncUrl(): void {
    if (this.ctx.settings.dashboard === KIND) writeComposed(this.composed);
  }

  /** Fetches the merged layout when the data changed, and rebuilds the categories when it did. */
  private async loadLayout(): Promise<void> {
    const generation = this.ctx.generation();
    if (this.loading || generation === this.layoutGeneration) return;
    this.loading = true;
    let layout: Layout;
    try {
      layout = await fetchLayout();
      this.layoutError = "";
    } catch (e) {
      this.layoutError = `Could not load the layout: ${e instanceof Error ? e.message : String(e)}`;
      this.updateNotice();
      return;
    } finally {
      this.loading = false;
    }
    this.layoutGeneration = generation;
    const key = JSON.stringify(layout);
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.build(layout);
    }
    this.updateNotice();
  }

  private build(layout: Layout): void {
    const wasCollapsed = new Map(this.categories.map((c) => [c.title, c.collapsed]));
    for (const category of this.categories) {
      for (const card of category.cards ?? []) this.drop(card);
      category.section.remove();
    }
    this.categories = (layout.category ?? []).map((c) => {
      const title = c.title ?? "";
      const specs = (c.chart ?? []).map((chart) => specOfChart(chart, title)).filter((s): s is ChartSpec => s !== null);
      return this.makeCategory(title, specs, wasCollapsed.get(title) ?? !!c.closed);
    });
    this.categoriesEl.replaceChildren(...this.categories.map((c) => c.section));
    for (const category of this.categories) if (!category.collapsed) this.open(category);
    this.applyFilter();
  }

  private makeCategory(title: string, specs: ChartSpec[], collapsed: boolean): Category {
    const section = element("section", "group");
    section.dataset.category = title;
    const head = element("button", "group-head");
    head.type = "button";
    head.append(element("h2", "", title || "(untitled)"), element("span", "group-count", String(specs.length)));
    const grid = element("div", "group-charts");
    section.append(head, grid);
    const category: Category = { title, section, grid, specs, cards: null, collapsed };
    const show = () => {
      section.classList.toggle("collapsed", category.collapsed);
      head.setAttribute("aria-expanded", String(!category.collapsed));
      grid.hidden = category.collapsed;
    };
    show();
    head.addEventListener("click", () => {
      category.collapsed = !category.collapsed;
      show();
      if (!category.collapsed) this.open(category);
    });
    return category;
  }

  /** Makes an opened category's cards (once). */
  private open(category: Category): void {
    if (category.cards) return;
    category.cards = category.specs.map((spec) => this.adopt(new CustomChart(spec, this.ctx, this.catalog)));
    category.grid.replaceChildren(...category.cards.map((card) => card.el));
    for (const card of category.cards) this.observer.observe(card.el);
    this.applyFilter();
  }

  private layoutComposed(): void {
    for (const card of this.composedCards) this.drop(card);
    this.composedCards = this.composed.map((c, i) => {
      const remove = () => {
        this.composed.splice(i, 1);
        this.layoutComposed();
        this.syncUrl();
      };
      const card = this.adopt(new CustomChart(specOf(c), this.ctx, this.catalog, remove));
      card.el.dataset.composed = "true";
      return card;
    });
    this.composedGrid.replaceChildren(...this.composedCards.map((card) => card.el));
    for (const card of this.composedCards) this.observer.observe(card.el);
    this.composedSection.hidden = this.composed.length === 0;
    this.updateNotice();
  }

  private adopt(card: CustomChart): CustomChart {
    this.byElement.set(card.el, card);
    return card;
  }

  private drop(card: CustomChart): void {
    this.observer.unobserve(card.el);
    card.visible = false;
    card.destroy();
  }

  /** Hides layout charts whose title, regexes and tags the tag filter all miss, and categories left empty. */
  private applyFilter(): void {
    const f = this.filter;
    const matches = (spec: ChartSpec) => !f || f.test(spec.title) || f.test(describe(spec));
    for (const category of this.categories) {
      for (const card of category.cards ?? []) card.el.hidden = !matches(card.spec);
      category.section.hidden = !category.specs.some(matches);
    }
  }

  private updateNotice(): void {
    let text = this.layoutError;
    if (!text && this.layoutKey === null) text = "Loading…";
    else if (!text && this.categories.length === 0 && this.composed.length === 0) {
      text = `No custom-scalar layout in ${this.logdir || "this logdir"} yet: compose a chart above, or log one with add_custom_scalars().`;
    }
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }
}

function settingsPanel(): HTMLElement | null {
  return document.getElementById("scalars-settings");
}

export const customScalars: DashboardModule = { name: KIND, create: (ctx) => new CustomScalarsDashboard(ctx) };
