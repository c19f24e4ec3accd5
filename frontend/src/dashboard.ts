// The main area: tags grouped by the prefix before their first "/", one collapsible section per group, a chart
// card per tag. Charts only fetch and draw while in or near the viewport.

import { Chart, type ChartContext } from "./chart";
import { element } from "./dom";

interface Group {
  section: HTMLElement;
  grid: HTMLDivElement;
  count: HTMLSpanElement;
  charts: Chart[];
}

/** TensorBoard's grouping: "train/loss" goes to "train"; a tag without "/" is a group of its own. */
const groupOf = (tag: string) => (tag.includes("/") ? tag.slice(0, tag.indexOf("/")) : tag);

export class Dashboard {
  private readonly charts = new Map<string, Chart>();
  private readonly groups = new Map<string, Group>();
  private readonly byElement = new WeakMap<Element, Chart>();
  private readonly observer: IntersectionObserver;
  private tagFilter: RegExp | null = null;
  private loaded = false;
  private logdir = "";

  constructor(
    private readonly container: HTMLElement,
    private readonly scroller: HTMLElement,
    private readonly notice: HTMLElement,
    private readonly ctx: ChartContext,
  ) {
    // Charts within a screen's height of the visible area count as visible, so scrolling finds them drawn.
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const chart = this.byElement.get(entry.target);
          if (!chart) continue;
          chart.visible = entry.isIntersecting;
          if (chart.visible) void chart.refresh();
        }
      },
      { root: scroller, rootMargin: "100% 0px" },
    );
  }

  /** New tag listing from the server: adds and removes cards, keeps each tag's runs current. */
  setTags(tags: Record<string, string[]>, logdir: string): void {
    this.loaded = true;
    this.logdir = logdir;
    let changed = false;
    const created: Chart[] = [];
    for (const [tag, chart] of this.charts) {
      if (!Object.prototype.hasOwnProperty.call(tags, tag)) {
        this.observer.unobserve(chart.el);
        chart.destroy();
        this.charts.delete(tag);
        changed = true;
      }
    }
    for (const [tag, runs] of Object.entries(tags)) {
      const chart = this.charts.get(tag);
      if (chart) {
        chart.runs = runs;
      } else {
        const chart = new Chart(tag, runs, this.ctx);
        this.charts.set(tag, chart);
        this.byElement.set(chart.el, chart);
        created.push(chart);
        changed = true;
      }
    }
    if (changed) this.layout();
    this.applyFilter();
    // New cards already on screen fetch now rather than at the observer's first call, a frame or more later.
    for (const chart of created) {
      if (this.nearView(chart.el)) {
        chart.visible = true;
        void chart.refresh();
      }
    }
  }

  /** Whether `el` is shown and within the observer's margin (a screen's height) of the visible area. */
  private nearView(el: HTMLElement): boolean {
    if (el.offsetParent === null) return false;
    const box = el.getBoundingClientRect();
    const view = this.scroller.getBoundingClientRect();
    return box.bottom >= view.top - view.height && box.top <= view.bottom + view.height;
  }

  setTagFilter(filter: RegExp | null): void {
    this.tagFilter = filter;
    this.applyFilter();
  }

  /** Brings every visible chart up to date (new data, smoothing, runs); off-screen ones catch up when shown. */
  refreshAll(): void {
    for (const chart of this.charts.values()) void chart.refresh();
  }

  /** Log scale, outliers or theme changed: rebuild the plots, no refetch. */
  restyleAll(): void {
    for (const chart of this.charts.values()) chart.restyle();
  }

  /** The x axis changed units: zooms no longer apply. */
  resetZoomAll(): void {
    for (const chart of this.charts.values()) chart.resetZoom();
  }

  /** Puts groups and cards in name order, creating and dropping group sections as needed. */
  private layout(): void {
    const members = new Map<string, Chart[]>();
    for (const tag of [...this.charts.keys()].sort()) {
      const name = groupOf(tag);
      const list = members.get(name) ?? [];
      list.push(this.charts.get(tag)!);
      members.set(name, list);
    }
    for (const [name, group] of this.groups) {
      if (!members.has(name)) {
        group.section.remove();
        this.groups.delete(name);
      }
    }
    for (const [name, charts] of members) {
      const group = this.groups.get(name) ?? this.createGroup(name);
      this.groups.set(name, group);
      group.charts = charts;
      charts.forEach((chart, i) => {
        if (group.grid.children[i] !== chart.el) {
          group.grid.insertBefore(chart.el, group.grid.children[i] ?? null);
          this.observer.observe(chart.el);
        }
      });
    }
    [...members.keys()].forEach((name, i) => {
      const section = this.groups.get(name)!.section;
      if (this.container.children[i] !== section) this.container.insertBefore(section, this.container.children[i] ?? null);
    });
  }

  private createGroup(name: string): Group {
    const section = element("section", "group");
    section.dataset.group = name;
    const head = element("button", "group-head");
    head.type = "button";
    head.setAttribute("aria-expanded", "true");
    const count = element("span", "group-count");
    head.append(element("h2", "", name), count);
    const grid = element("div", "group-charts");
    head.addEventListener("click", () => {
      const collapsed = section.classList.toggle("collapsed");
      head.setAttribute("aria-expanded", String(!collapsed));
      grid.hidden = collapsed;
    });
    section.append(head, grid);
    return { section, grid, count, charts: [] };
  }

  /** Hides cards whose tag doesn't match the tag filter, and groups left with none; updates the counts. */
  private applyFilter(): void {
    const filter = this.tagFilter;
    let shown = 0;
    for (const group of this.groups.values()) {
      let matches = 0;
      for (const chart of group.charts) {
        const match = !filter || filter.test(chart.tag);
        chart.el.hidden = !match;
        if (match) matches++;
      }
      group.section.hidden = matches === 0;
      const n = group.charts.length;
      group.count.textContent = matches === n ? String(n) : `${matches} of ${n}`;
      shown += matches;
    }
    this.updateNotice(shown);
  }

  private updateNotice(shown: number): void {
    let text = "";
    if (!this.loaded) text = "Loading…";
    else if (this.charts.size === 0) text = `No scalar data yet in ${this.logdir} — waiting…`;
    else if (shown === 0) text = `No tag matches /${this.tagFilter?.source ?? ""}/`;
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }
}
