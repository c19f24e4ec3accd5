// Charts the user composes in the page: a regular expression (matched from the start of each tag, as the layouts'
// multiline charts) or a list of exact tags. They live in the address bar under `cs`, one value per chart:
// `re:<regex>` or `tags:<JSON array>`, next to the page's other settings.

import { element } from "../../dom";
import type { ChartSpec } from "./card";

export const URL_KEY = "cs";

export interface Composed {
  mode: "regex" | "tags";
  /** The regex, or the tags. */
  values: string[];
}

export function encode(c: Composed): string {
  return c.mode === "regex" ? `re:${c.values[0]}` : `tags:${JSON.stringify(c.values)}`;
}

/** The chart a `cs` value describes; null for one this page cannot read. */
export function decode(text: string): Composed | null {
  if (text.startsWith("re:")) return { mode: "regex", values: [text.slice(3)] };
  if (!text.startsWith("tags:")) return null;
  try {
    const tags: unknown = JSON.parse(text.slice(5));
    if (Array.isArray(tags) && tags.length > 0 && tags.every((t) => typeof t === "string")) {
      return { mode: "tags", values: tags as string[] };
    }
  } catch {
    // not JSON: ignored
  }
  return null;
}

/** The composed charts in the address bar as it was when the page loaded (read before the page rewrites it). */
export const INITIAL: Composed[] = new URLSearchParams(location.search)
  .getAll(URL_KEY)
  .map(decode)
  .filter((c): c is Composed => c !== null);

/** Puts `charts` in the address bar under `cs`, every other key kept. */
export function writeComposed(charts: readonly Composed[]): void {
  const q = new URLSearchParams(location.search);
  const values = charts.map(encode);
  const current = q.getAll(URL_KEY);
  if (current.length === values.length && current.every((v, i) => v === values[i])) return;
  q.delete(URL_KEY);
  for (const value of values) q.append(URL_KEY, value);
  const search = q.toString();
  history.replaceState(history.state, "", location.pathname + (search ? `?${search}` : "") + location.hash);
}

export function specOf(c: Composed): ChartSpec {
  const regex = c.mode === "regex";
  return {
    kind: "multiline",
    title: regex ? c.values[0] : c.values.join(", "),
    category: "",
    tags: regex ? [] : c.values,
    regexes: regex ? c.values : [],
    triples: [],
  };
}

/** The form that adds a chart: a regex or comma-separated tags. `add` gets it when submitted. */
export function composer(add: (c: Composed) => void): HTMLFormElement {
  const form = element("form", "cs-compose");
  form.setAttribute("aria-label", "Compose a chart");
  const mode = element("select", "cs-mode");
  mode.setAttribute("aria-label", "What the box holds");
  for (const [value, label] of [["regex", "Regex"], ["tags", "Tags"]]) {
    const option = element("option", "", label);
    option.value = value;
    mode.append(option);
  }
  const input = element("input", "cs-input");
  input.type = "text";
  input.spellcheck = false;
  input.autocomplete = "off";
  input.setAttribute("aria-label", "Tags of the new chart");
  const hint = () => {
    input.placeholder =
      mode.value === "regex" ? "A regular expression, matched from the start of each tag, e.g. loss/.*" : "Tags, separated by commas, e.g. loss/train, loss/val";
  };
  hint();
  mode.addEventListener("change", hint);
  const button = element("button", "cs-add", "Add chart");
  button.type = "submit";
  form.append(element("span", "cs-compose-label", "New chart"), mode, input, button);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const values = mode.value === "regex" ? [text] : text.split(",").map((t) => t.trim()).filter(Boolean);
    if (values.length === 0) return;
    add({ mode: mode.value === "regex" ? "regex" : "tags", values });
    input.value = "";
  });
  return form;
}
