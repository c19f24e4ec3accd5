// The hover tooltip: for each run, its point nearest the cursor's x (smoothed, value, step, time, relative, and for
// merged rank streams the mean's band: min, max and how many ranks logged the step). The point is searched among
// all the run's points, gaps included, so a NaN or ±inf point shows its value.

import type uPlot from "uplot";
import { element } from "../../dom";
import { formatDate, formatDuration, formatStep, formatValue } from "../../format";
import type { RunLine } from "./series";

// One element for the whole page (only one chart is hovered at a time), fixed-positioned so card edges never
// clip it.
let tip: HTMLDivElement | null = null;
let owner: uPlot | null = null;

function tipElement(): HTMLDivElement {
  if (!tip) {
    tip = element("div", "tooltip");
    tip.id = "tooltip";
    tip.hidden = true;
    document.body.append(tip);
  }
  return tip;
}

function hide(u: uPlot): void {
  if (tip && owner === u) {
    tip.hidden = true;
    owner = null;
  }
}

/** Index of the x closest to `x` in the ascending array `xs` (non-empty). */
export function nearest(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && x - xs[lo - 1] < xs[lo] - x ? lo - 1 : lo;
}

function cell(row: HTMLTableRowElement, text: string, className?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** The table for cursor position `x`; runs whose points don't reach `x` (within `slack`) are left out. */
function table(lines: readonly RunLine[], x: number, slack: number): HTMLTableElement | null {
  const rows = lines.filter((l) => l.x.length > 0 && x >= l.x[0] - slack && x <= l.x[l.x.length - 1] + slack);
  if (rows.length === 0) return null;
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  const banded = rows.some((l) => l.band);
  const band = banded ? ["Min", "Max", "Ranks"] : [];
  for (const h of ["Run", "Smoothed", "Value", "Step", "Time", "Relative", ...band]) {
    head.append(element("th", "", h));
  }
  // A merged run's value is the mean across its ranks.
  if (banded) head.cells[2].title = "For merged ranks: the mean across the ranks that logged the step";
  const body = t.createTBody();
  for (const l of rows) {
    const i = nearest(l.x, x);
    const row = body.insertRow();
    const run = cell(row, "", "run");
    const dot = element("span", "dot");
    dot.style.background = l.color;
    run.append(dot, l.run);
    cell(row, formatValue(l.smoothed[i]), "num");
    cell(row, formatValue(l.value[i]), "num");
    cell(row, formatStep(l.step[i]), "num");
    cell(row, formatDate(l.wallTime[i]));
    cell(row, formatDuration(l.wallTime[i] - l.startTime), "num");
    if (!banded) continue;
    cell(row, l.band ? formatValue(l.band.min[i]) : "", "num");
    cell(row, l.band ? formatValue(l.band.max[i]) : "", "num");
    cell(row, l.band ? formatStep(l.band.ranks[i]) : "", "num");
  }
  return t;
}

/** A uPlot plugin showing the tooltip for the runs `lines()` returns (sorted as they should be listed). */
export function tooltipPlugin(lines: () => readonly RunLine[]): uPlot.Plugin {
  return cursorTipPlugin((x, slack) => table(lines(), x, slack));
}

/** A uPlot plugin showing, beside the cursor, what `render` makes for the cursor's x (`slack`: 4 pixels in x
 * units); nothing where it returns null. */
export function cursorTipPlugin(render: (x: number, slack: number) => HTMLElement | null): uPlot.Plugin {
  return {
    hooks: {
      setCursor: (u) => {
        const { left, top } = u.cursor;
        const { min, max } = u.scales.x;
        const width = u.over.clientWidth;
        if (left == null || top == null || left < 0 || min == null || max == null || width === 0) {
          hide(u);
          return;
        }
        const content = render(u.posToVal(left, "x"), ((max - min) / width) * 4);
        if (!content) {
          hide(u);
          return;
        }
        const el = tipElement();
        el.replaceChildren(content);
        el.hidden = false;
        owner = u;
        // Right of and below the cursor, flipped to the other side where it would leave the window.
        const rect = u.over.getBoundingClientRect();
        const gap = 14;
        let x = rect.left + left + gap;
        let y = rect.top + top + gap;
        if (x + el.offsetWidth > window.innerWidth - 4) x = Math.max(4, rect.left + left - gap - el.offsetWidth);
        if (y + el.offsetHeight > window.innerHeight - 4) y = Math.max(4, window.innerHeight - 4 - el.offsetHeight);
        el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
      },
      destroy: hide,
    },
  };
}
