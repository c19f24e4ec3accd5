// The sidebar's run list: one checkbox and colour swatch per run (with its rank count when it merges a
// distributed run's rank streams), narrowed by the runs regex, in natural order. Virtualised: only the rows in
// view (and a screenful around them) are in the DOM, so thousands of runs cost a few dozen rows.

import type { RunInfo } from "./api";
import { runColor } from "./colors";
import { element } from "./dom";
import { formatDate, formatStep } from "./format";
import { naturalCompare } from "./order";

/** Height of a row in CSS pixels (style.css gives `#runs li` this height). */
const ROW = 24;

export class RunList {
  private names: string[] = [];
  private readonly info = new Map<string, RunInfo>();
  /** Runs the user unticked (new runs start ticked). */
  private readonly unticked = new Set<string>();
  private filter: RegExp | null = null;
  /** The runs the filter shows, in order. */
  private shown: string[] = [];
  private readonly rows = new Map<string, HTMLLIElement>();
  private frame = 0;

  /** `onChange` runs when the user ticks or unticks runs; `scroller` is the element that scrolls `ul`. */
  constructor(
    private readonly ul: HTMLUListElement,
    private readonly scroller: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly onChange: () => void,
  ) {
    scroller.addEventListener("scroll", () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(scroller);
  }

  /** Whether `run` is drawn: it matches the runs regex and its box is ticked. */
  isSelected(run: string): boolean {
    return !this.unticked.has(run) && (!this.filter || this.filter.test(run));
  }

  /** The selected runs among `runs`, or null when that is all of them (the server's default). */
  selectedAmong(runs: readonly string[]): string[] | null {
    const picked = runs.filter((run) => this.isSelected(run));
    return picked.length === runs.length ? null : picked;
  }

  setFilter(filter: RegExp | null): void {
    if (String(filter) !== String(this.filter)) this.scroller.scrollTop = 0; // a new filter lists from the top
    this.filter = filter;
    this.shown = filter ? this.names.filter((run) => filter.test(run)) : this.names;
    this.render();
  }

  /** Ticks or unticks every run the filter shows. */
  setAllVisible(checked: boolean): void {
    for (const run of this.shown) {
      if (checked) this.unticked.delete(run);
      else this.unticked.add(run);
    }
    this.render();
    this.onChange();
  }

  /** The listing changed: new runs (ticked), vanished ones dropped. */
  update(runs: readonly RunInfo[]): void {
    this.info.clear();
    for (const run of runs) this.info.set(run.name, run);
    this.names = runs.map((run) => run.name).sort(naturalCompare);
    for (const run of this.unticked) if (!this.info.has(run)) this.unticked.delete(run);
    for (const [run, li] of this.rows) {
      if (!this.info.has(run)) {
        li.remove();
        this.rows.delete(run);
      }
    }
    this.setFilter(this.filter);
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Puts in the DOM the rows in view and a screenful either side; padding stands for the others. */
  private render(): void {
    this.frame = 0;
    const view = Math.max(Math.min(this.scroller.clientHeight, window.innerHeight), ROW * 10);
    // The scroll position as it will be once the browser clamps it to a list that just got shorter.
    const top = Math.min(this.scroller.scrollTop, Math.max(0, this.shown.length * ROW - this.scroller.clientHeight));
    const first = Math.max(0, Math.floor((top - view) / ROW));
    const last = Math.min(this.shown.length, Math.ceil((top + 2 * view) / ROW));
    const wanted = this.shown.slice(first, last);
    const keep = new Set(wanted);
    for (const [run, li] of this.rows) {
      if (!keep.has(run)) {
        li.remove();
        this.rows.delete(run);
      }
    }
    wanted.forEach((run, i) => {
      let li = this.rows.get(run);
      if (!li) {
        li = this.createRow(run);
        this.rows.set(run, li);
      }
      const box = li.querySelector("input") as HTMLInputElement;
      box.checked = !this.unticked.has(run);
      const ranks = this.info.get(run)?.ranks;
      (li.querySelector(".run-ranks") as HTMLElement).textContent = ranks === undefined ? "" : `(${rankCount(ranks)})`;
      if (this.ul.children[i] !== li) this.ul.insertBefore(li, this.ul.children[i] ?? null);
    });
    this.ul.style.paddingTop = `${first * ROW}px`;
    this.ul.style.paddingBottom = `${(this.shown.length - last) * ROW}px`;
    let selected = 0;
    for (const run of this.names) if (this.isSelected(run)) selected++;
    this.summary.textContent = `${selected} of ${this.names.length}`;
  }

  private createRow(run: string): HTMLLIElement {
    const li = document.createElement("li");
    li.dataset.run = run;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.addEventListener("change", () => {
      if (box.checked) this.unticked.delete(run);
      else this.unticked.add(run);
      this.render();
      this.onChange();
    });
    const swatch = element("span", "swatch");
    swatch.style.background = runColor(run);
    label.append(box, swatch, element("span", "run-name", run), element("span", "run-ranks"));
    li.append(label);
    // The hover text is made when first needed: formatting it for thousands of runs up front costs a frame.
    li.addEventListener("mouseenter", () => {
      const info = this.info.get(run);
      if (info) li.title = describe(info);
    });
    return li;
  }
}

const rankCount = (n: number) => `${formatStep(n)} rank${n === 1 ? "" : "s"}`;

function describe(info: RunInfo): string {
  const lines = [info.name, `${formatStep(info.points)} points`];
  if (info.ranks !== undefined) lines.push(`${rankCount(info.ranks)} merged: mean, min and max across them`);
  if (info.last_step != null) lines.push(`last step ${formatStep(info.last_step)}`);
  if (info.last_time != null) lines.push(`last written ${formatDate(info.last_time)}`);
  return lines.join("\n");
}
