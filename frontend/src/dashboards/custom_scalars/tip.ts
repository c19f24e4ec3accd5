// The hover tooltip of a custom chart (in the scalars' cursor-following box): for each drawn (run, tag), its point
// nearest the cursor's x. Multiline: smoothed, value, step; margin: value, lower and upper, step.

import { element } from "../../dom";
import { formatStep, formatValue } from "../../format";
import { nearest } from "../scalars/tooltip";
import type { Line, MarginGroup } from "./plot";

/** Whether `l` has points within `slack` of `x`. */
const reaches = (l: Line | null, x: number, slack: number): l is Line =>
  !!l && l.x.length > 0 && x >= l.x[0] - slack && x <= l.x[l.x.length - 1] + slack;

function cell(row: HTMLTableRowElement, text: string, className = ""): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  td.className = className;
  return td;
}

function tableWith(headings: string[]): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const h of headings) head.append(element("th", "", h));
  return { table, body: table.createTBody() };
}

/** The run (with its colour) and tag cells that start each row. */
function names(row: HTMLTableRowElement, run: string, tag: string, color: string): void {
  const td = cell(row, "", "run");
  const dot = element("span", "dot");
  dot.style.background = color;
  td.append(dot, run);
  cell(row, tag, "tag");
}

export function multilineTable(lines: readonly Line[], x: number, slack: number): HTMLTableElement | null {
  const rows = lines.filter((l) => reaches(l, x, slack));
  if (rows.length === 0) return null;
  const { table, body } = tableWith(["Run", "Tag", "Smoothed", "Value", "Step"]);
  for (const l of rows) {
    const i = nearest(l.x, x);
    const row = body.insertRow();
    row.dataset.run = l.run;
    row.dataset.tag = l.tag;
    names(row, l.run, l.tag, l.color);
    cell(row, formatValue(l.smoothed[i]), "num");
    cell(row, formatValue(l.value[i]), "num");
    cell(row, formatStep(l.step[i]), "num");
  }
  return table;
}

export function marginTable(groups: readonly MarginGroup[], x: number, slack: number): HTMLTableElement | null {
  const rows = groups.filter((g) => reaches(g.value, x, slack) || reaches(g.lower, x, slack) || reaches(g.upper, x, slack));
  if (rows.length === 0) return null;
  const { table, body } = tableWith(["Run", "Tag", "Value", "Lower", "Upper", "Step"]);
  for (const g of rows) {
    const row = body.insertRow();
    row.dataset.run = g.run;
    row.dataset.tag = g.tag;
    names(row, g.run, g.tag, g.color);
    let step = "";
    for (const line of [g.value, g.lower, g.upper]) {
      if (!reaches(line, x, slack)) {
        cell(row, "–", "num");
        continue;
      }
      const i = nearest(line.x, x);
      cell(row, formatValue(line.value[i]), "num");
      if (!step) step = formatStep(line.step[i]);
    }
    cell(row, step, "num");
  }
  return table;
}
