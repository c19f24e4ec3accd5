// The sidebar's run list: one checkbox and colour swatch per run (with its rank count when it merges a
// distributed run's rank streams), narrowed by the runs regex.

import type { RunInfo } from "./api";
import { runColor } from "./colors";
import { element } from "./dom";
import { formatDate, formatStep } from "./format";

interface RunItem {
  li: HTMLLIElement;
  box: HTMLInputElement;
  /** "(4 ranks)" for merged rank streams, else empty. */
  ranks: HTMLSpanElement;
}

export class RunList {
  private readonly items = new Map<string, RunItem>();
  private filter: RegExp | null = null;

  /** `onChange` runs when the user ticks or unticks runs. */
  constructor(
    private readonly ul: HTMLUListElement,
    private readonly summary: HTMLElement,
    private readonly onChange: () => void,
  ) {}

  /** Whether `run` is drawn: it matches the runs regex and its box is ticked (new runs start ticked). */
  isSelected(run: string): boolean {
    const item = this.items.get(run);
    return (!item || item.box.checked) && (!this.filter || this.filter.test(run));
  }

  /** The selected runs among `runs`, or null when that is all of them (the server's default). */
  selectedAmong(runs: readonly string[]): string[] | null {
    const picked = runs.filter((run) => this.isSelected(run));
    return picked.length === runs.length ? null : picked;
  }

  setFilter(filter: RegExp | null): void {
    this.filter = filter;
    for (const [run, item] of this.items) item.li.hidden = !!filter && !filter.test(run);
    this.updateSummary();
  }

  /** Ticks or unticks every run the filter shows. */
  setAllVisible(checked: boolean): void {
    for (const item of this.items.values()) if (!item.li.hidden) item.box.checked = checked;
    this.updateSummary();
    this.onChange();
  }

  /** Adds new runs (in name order), drops vanished ones, refreshes each run's hover text. */
  update(runs: readonly RunInfo[]): void {
    const names = new Set(runs.map((r) => r.name));
    for (const [run, item] of this.items) {
      if (!names.has(run)) {
        item.li.remove();
        this.items.delete(run);
      }
    }
    let previous: HTMLLIElement | null = null;
    for (const info of runs) {
      let item = this.items.get(info.name);
      if (!item) {
        item = this.createItem(info.name);
        this.items.set(info.name, item);
        if (previous) previous.after(item.li);
        else this.ul.prepend(item.li);
      }
      item.li.title = describe(info);
      item.ranks.textContent = info.ranks === undefined ? "" : `(${rankCount(info.ranks)})`;
      previous = item.li;
    }
    this.setFilter(this.filter);
  }

  private createItem(run: string): RunItem {
    const li = document.createElement("li");
    li.dataset.run = run;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", () => {
      this.updateSummary();
      this.onChange();
    });
    const swatch = element("span", "swatch");
    swatch.style.background = runColor(run);
    const ranks = element("span", "run-ranks");
    label.append(box, swatch, element("span", "run-name", run), ranks);
    li.append(label);
    return { li, box, ranks };
  }

  private updateSummary(): void {
    let selected = 0;
    for (const run of this.items.keys()) if (this.isSelected(run)) selected++;
    this.summary.textContent = `${selected} of ${this.items.size}`;
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
