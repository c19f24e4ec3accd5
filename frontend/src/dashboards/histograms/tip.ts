// The hover tooltip of the histograms and distributions panels: one fixed-position element for the page (one
// panel is hovered at a time), rows of label and value set as text, and the raw values in data-* attributes.

import { element } from "../../dom";

let tip: HTMLDivElement | null = null;
let owner: Element | null = null;

function tipElement(): HTMLDivElement {
  if (!tip) {
    tip = element("div", "tooltip hist-tooltip");
    tip.id = "hist-tooltip";
    tip.hidden = true;
    document.body.append(tip);
  }
  return tip;
}

/** Shows `rows` next to the cursor at (`x`, `y`) for `source`; `data` become the tooltip's data-* attributes. */
export function showTip(source: Element, x: number, y: number, rows: [string, string][], data: Record<string, string>): void {
  const el = tipElement();
  owner = source;
  const table = document.createElement("table");
  for (const [label, value] of rows) {
    const row = table.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = value;
  }
  el.replaceChildren(table);
  for (const key of Object.keys(el.dataset)) delete el.dataset[key];
  Object.assign(el.dataset, data);
  el.hidden = false;
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  const left = x + 14 + width > window.innerWidth ? x - 14 - width : x + 14;
  const top = Math.min(window.innerHeight - height - 4, y + 14);
  el.style.left = `${Math.max(4, left)}px`;
  el.style.top = `${Math.max(4, top)}px`;
}

export function hideTip(source: Element): void {
  if (tip && owner === source) {
    tip.hidden = true;
    owner = null;
  }
}
