// The body of a dashboard: tags grouped by the prefix before their first "/", one collapsible section per group,
// a card per tag, in natural order. Cards are made only when their page of the group is shown (PAGE cards a
// group, "Show more" for the next), groups likewise (GROUP_PAGE at first), so 5,000 tags cost a few dozen cards;
// cards only fetch and draw while in or near the viewport.

import { element } from "./dom";
import { natural } from "./order";

/** A card: one tag's view, made by the dashboard. */
export interface Card {
  readonly el: HTMLElement;
  readonly tag: string;
  /** The runs that have the tag. */
  runs: string[];
  /** In or near the viewport: only such cards fetch and draw. */
  visible: boolean;
  /** Fetch and draw what is out of date (nothing while not visible). */
  refresh(): void | Promise<void>;
  destroy(): void;
}

export const PAGE = 24;
export const GROUP_PAGE = 40;

interface Group {
  name: string;
  section: HTMLElement;
  grid: HTMLDivElement;
  count: HTMLSpanElement;
  more: HTMLButtonElement;
  /** Its tags that match the filter, in order. */
  tags: string[];
  /** How many of them are shown. */
  shown: number;
  collapsed: boolean;
}

/** TensorBoard's grouping: "train/loss" goes to "train"; a tag without "/" is a group of its own. */
export const groupOf = (tag: string) => (tag.includes("/") ? tag.slice(0, tag.indexOf("/")) : tag);

export class TagGrid<C extends Card> {
  readonly el: HTMLDivElement;
  private readonly notice: HTMLParagraphElement;
  private readonly groupsEl: HTMLDivElement;
  private readonly moreGroups: HTMLButtonElement;
  private readonly cardsByTag = new Map<string, C>();
  private readonly byElement = new WeakMap<Element, C>();
  private readonly groups = new Map<string, Group>();
  private readonly observer: IntersectionObserver;
  private tags: Record<string, string[]> = {};
  /** The tags in natural order, and how many each group has. */
  private sorted: string[] = [];
  private perGroup = new Map<string, number>();
  private filter: RegExp | null = null;
  private groupsShown = GROUP_PAGE;
  private loaded = false;

  /**
   * `make` builds a tag's card; `emptyText` says what shows when there is no tag at all (e.g. "No histogram data
   * yet in LOGDIR"); `scroller` is the element that scrolls the cards.
   */
  constructor(
    private readonly make: (tag: string, runs: string[]) => C,
    private readonly emptyText: () => string,
    private readonly scroller: HTMLElement,
  ) {
    this.el = element("div", "tag-grid");
    this.notice = element("p", "notice");
    this.groupsEl = element("div", "groups");
    this.moreGroups = element("button", "more-groups");
    this.moreGroups.type = "button";
    this.moreGroups.addEventListener("click", () => {
      this.groupsShown += GROUP_PAGE;
      this.layout();
    });
    this.el.append(this.notice, this.groupsEl, this.moreGroups);
    // Cards within a screen's height of the visible area count as visible, so scrolling finds them drawn.
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const card = this.byElement.get(entry.target);
          if (!card) continue;
          card.visible = entry.isIntersecting;
          if (card.visible) void card.refresh();
        }
      },
      { root: scroller, rootMargin: "100% 0px" },
    );
    this.layout();
  }

  /** The cards made so far (shown or not). */
  cards(): IterableIterator<C> {
    return this.cardsByTag.values();
  }

  /** A new tag listing: adds and drops cards, keeps each card's runs current. */
  setTags(tags: Record<string, string[]>): void {
    this.loaded = true;
    this.tags = tags;
    this.sorted = natural(Object.keys(tags));
    this.perGroup = new Map();
    for (const tag of this.sorted) this.perGroup.set(groupOf(tag), (this.perGroup.get(groupOf(tag)) ?? 0) + 1);
    for (const [tag, card] of this.cardsByTag) {
      if (!Object.prototype.hasOwnProperty.call(tags, tag)) {
        this.observer.unobserve(card.el);
        card.el.remove();
        card.destroy();
        this.cardsByTag.delete(tag);
      } else {
        card.runs = tags[tag];
      }
    }
    this.layout();
  }

  /** Makes `tag`'s card (its group shown and open, its page reached) and scrolls it into view; undefined when
   * the tag is not listed or the tag filter hides it. */
  reveal(tag: string): C | undefined {
    if (!Object.prototype.hasOwnProperty.call(this.tags, tag) || (this.filter && !this.filter.test(tag))) return undefined;
    const shown = this.sorted.filter((name) => !this.filter || this.filter.test(name));
    const names = [...new Set(shown.map(groupOf))];
    this.groupsShown = Math.max(this.groupsShown, names.indexOf(groupOf(tag)) + 1);
    this.layout();
    const group = this.groups.get(groupOf(tag));
    if (!group) return undefined;
    if (group.collapsed) (group.section.querySelector(".group-head") as HTMLButtonElement).click();
    group.shown = Math.max(group.shown, group.tags.indexOf(tag) + 1);
    this.layout();
    const card = this.cardsByTag.get(tag);
    card?.el.scrollIntoView({ block: "center" });
    return card;
  }

  setTagFilter(filter: RegExp | null): void {
    this.filter = filter;
    this.layout();
  }

  /** Brings every visible card up to date; off-screen ones catch up when shown. */
  refreshAll(): void {
    for (const card of this.cardsByTag.values()) if (card.el.isConnected) void card.refresh();
  }

  /** Puts the shown groups and their shown cards in order, making cards as their page comes into view. */
  private layout(): void {
    const members = new Map<string, string[]>();
    let matching = 0;
    for (const tag of this.sorted) {
      if (this.filter && !this.filter.test(tag)) continue;
      matching++;
      const name = groupOf(tag);
      const list = members.get(name) ?? [];
      list.push(tag);
      members.set(name, list);
    }
    const names = [...members.keys()];
    const shownNames = names.slice(0, this.groupsShown);
    const keep = new Set(shownNames);
    for (const [name, group] of this.groups) {
      if (!keep.has(name)) {
        for (const card of group.grid.children) this.detach(card);
        group.section.remove();
        this.groups.delete(name);
      }
    }
    const created: C[] = [];
    shownNames.forEach((name, i) => {
      let group = this.groups.get(name);
      if (!group) {
        group = this.createGroup(name);
        this.groups.set(name, group);
      }
      if (this.groupsEl.children[i] !== group.section) this.groupsEl.insertBefore(group.section, this.groupsEl.children[i] ?? null);
      group.tags = members.get(name) ?? [];
      this.fill(group, created);
    });
    const left = names.length - shownNames.length;
    this.moreGroups.hidden = left <= 0;
    this.moreGroups.textContent = `Show ${Math.min(left, GROUP_PAGE)} more groups (${left} not shown)`;
    this.updateNotice(matching);
    // New cards already on screen fetch now rather than at the observer's first call, a frame or more later.
    for (const card of created) {
      if (this.nearView(card.el)) {
        card.visible = true;
        void card.refresh();
      }
    }
  }

  /** Shows the group's first `shown` tags' cards (none when collapsed), in order. */
  private fill(group: Group, created: C[]): void {
    const total = this.perGroup.get(group.name) ?? 0;
    const matches = group.tags.length;
    group.count.textContent = matches === total ? String(total) : `${matches} of ${total}`;
    const wanted = group.collapsed ? [] : group.tags.slice(0, group.shown);
    const cards = wanted.map((tag) => {
      let card = this.cardsByTag.get(tag);
      if (!card) {
        card = this.make(tag, this.tags[tag]);
        card.el.dataset.tag = tag;
        this.cardsByTag.set(tag, card);
        this.byElement.set(card.el, card);
        created.push(card);
      }
      return card;
    });
    const wantedEls = new Set(cards.map((card) => card.el));
    for (const child of [...group.grid.children]) if (!wantedEls.has(child as HTMLElement)) this.detach(child);
    cards.forEach((card, i) => {
      if (group.grid.children[i] !== card.el) {
        group.grid.insertBefore(card.el, group.grid.children[i] ?? null);
        this.observer.observe(card.el);
      }
    });
    const left = group.collapsed ? 0 : matches - wanted.length;
    group.more.hidden = left <= 0;
    group.more.textContent = `Show ${Math.min(left, PAGE)} more (${left} not shown)`;
  }

  private detach(el: Element): void {
    const card = this.byElement.get(el);
    this.observer.unobserve(el);
    el.remove();
    if (card) card.visible = false;
  }

  /** Whether `el` is shown and within the observer's margin (a screen's height) of the visible area. */
  private nearView(el: HTMLElement): boolean {
    if (el.offsetParent === null) return false;
    const box = el.getBoundingClientRect();
    const view = this.scroller.getBoundingClientRect();
    return box.bottom >= view.top - view.height && box.top <= view.bottom + view.height;
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
    const more = element("button", "group-more");
    more.type = "button";
    section.append(head, grid, more);
    const group: Group = { name, section, grid, count, more, tags: [], shown: PAGE, collapsed: false };
    head.addEventListener("click", () => {
      group.collapsed = section.classList.toggle("collapsed");
      head.setAttribute("aria-expanded", String(!group.collapsed));
      grid.hidden = group.collapsed;
      this.layout();
    });
    more.addEventListener("click", () => {
      group.shown += PAGE;
      this.layout();
    });
    return group;
  }

  private updateNotice(matching: number): void {
    let text = "";
    if (!this.loaded) text = "Loading…";
    else if (this.sorted.length === 0) text = this.emptyText();
    else if (matching === 0) text = `No tag matches /${this.filter?.source ?? ""}/`;
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }
}
