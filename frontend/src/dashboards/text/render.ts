// A text value as DOM: Markdown parsed by marked and cleaned by DOMPurify (no script, no event handlers, no
// javascript: links; links open in a new tab without access to this page), or the raw string; a 1-D or 2-D string
// tensor as a table, each cell Markdown too. Nothing from the data reaches innerHTML: DOMPurify returns nodes.
// HTML written in the text is shown as text, as TensorBoard escapes the tags it does not allow: it never becomes
// elements, not even inside the sanitizer (whose parse of an `onerror` attribute Chrome reports as a blocked inline
// handler under the page's Content-Security-Policy, although nothing runs).

import DOMPurify from "dompurify";
import { Marked } from "marked";
import { element } from "../../dom";
import type { TextValue } from "./api";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const marked = new Marked({ gfm: true, async: false, renderer: { html: ({ text }) => escapeHtml(text) } });

let hooked = false;

/** Links from the data open in a new tab, with no handle on this page. */
function hookLinks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });
}

/** Markdown `text` as sanitized nodes; `inline` for a table cell (no paragraphs). */
export function markdown(text: string, inline = false): DocumentFragment {
  hookLinks();
  const html = inline ? marked.parseInline(text, { async: false }) : marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true });
}

/** The value's nesting depth: 0 for a string, 1 for a list of strings, 2 for a table... */
function depth(value: TextValue): number {
  let d = 0;
  let v = value;
  while (Array.isArray(v)) {
    d++;
    if (v.length === 0) break;
    v = v[0];
  }
  return d;
}

/** A cell as a string (a deeper value than expected is shown as its JSON). */
const cellText = (cell: TextValue) => (typeof cell === "string" ? cell : JSON.stringify(cell));

function table(rows: TextValue[][], asMarkdown: boolean): HTMLTableElement {
  const t = element("table", "text-table");
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const cell of row) {
      const td = document.createElement("td");
      if (asMarkdown) td.append(markdown(cellText(cell), true));
      else td.textContent = cellText(cell);
      tr.append(td);
    }
    body.append(tr);
  }
  t.append(body);
  return t;
}

/** The value as DOM: Markdown (or raw text), a column for a 1-D tensor, a table for a 2-D one; of a deeper tensor,
 * its first 2-D slice with a note, as TensorBoard shows it. */
export function renderText(value: TextValue, asMarkdown: boolean): HTMLElement {
  const box = element("div", "text-value");
  if (typeof value === "string") {
    if (asMarkdown) {
      box.classList.add("markdown");
      box.append(markdown(value));
    } else {
      box.append(element("pre", "text-raw", value));
    }
    return box;
  }
  const d = depth(value);
  if (value.length === 0) {
    box.append(element("p", "text-note", "(an empty tensor)"));
    return box;
  }
  let slice: TextValue[] = value;
  if (d > 2) {
    box.append(element("p", "text-note", `A ${d}-D tensor: showing its first 2-D slice (index 0 of each leading dimension).`));
    while (depth(slice) > 2) slice = slice[0] as TextValue[];
  }
  const rows = depth(slice) === 1 ? slice.map((cell) => [cell]) : slice.map((row) => (Array.isArray(row) ? row : [row]));
  box.append(table(rows, asMarkdown));
  return box;
}

/** Every string of the value (for searching and copying). */
export function flatten(value: TextValue): string[] {
  return typeof value === "string" ? [value] : value.flatMap(flatten);
}
