// The histograms dashboard's own controls (sidebar panel): mode, offset axis and step range, kept in the address
// bar under `hist` (mode), `histx` (axis) and `histsteps` ("from-to"). The shared settings rewrite the query string
// from their own keys, so these are written again whenever this dashboard is shown or refreshed.

import { element } from "../../dom";
import type { Axis, Mode } from "./draw";
import type { HistOptions } from "./panel";

const MODES: [Mode, string][] = [
  ["offset", "Offset"],
  ["overlay", "Overlay"],
  ["heatmap", "Heatmap"],
  ["runs", "Runs overlaid (latest step)"],
];
const AXES: [Axis, string][] = [
  ["step", "Step"],
  ["relative", "Relative"],
  ["wall", "Wall"],
];

/** The query string as the page was opened: read when this module loads, before the page normalises the address
 * bar (which keeps only the shared settings' keys). */
const OPENED = new URLSearchParams(location.search);

function parseRange(text: string | null): HistOptions["range"] {
  const match = /^(-?\d*)-(-?\d*)$/.exec(text ?? "");
  if (!match) return null;
  const min = match[1] === "" ? -Number.MAX_SAFE_INTEGER : Number(match[1]);
  const max = match[2] === "" ? Number.MAX_SAFE_INTEGER : Number(match[2]);
  return min <= max ? { min, max } : null;
}

export class HistControls {
  readonly el: HTMLElement;
  readonly options: HistOptions;
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;

  constructor(private readonly changed: (what: "mode" | "axis" | "range") => void) {
    const q = OPENED;
    const mode = MODES.find(([m]) => m === q.get("hist"))?.[0] ?? "offset";
    const axis = AXES.find(([a]) => a === q.get("histx"))?.[0] ?? "step";
    this.options = { mode, axis, range: parseRange(q.get("histsteps")) };

    this.el = element("section", "panel hist-controls");
    this.el.id = "histograms-settings";
    this.el.hidden = true;
    this.el.append(element("h2", "", "Histograms"));
    const modeSelect = this.select("hist-mode", "Mode", MODES, mode);
    modeSelect.addEventListener("change", () => {
      this.options.mode = modeSelect.value as Mode;
      this.changed("mode");
    });
    const axisSelect = this.select("hist-axis", "Offset / heatmap axis", AXES, axis);
    axisSelect.addEventListener("change", () => {
      this.options.axis = axisSelect.value as Axis;
      this.changed("axis");
    });
    const field = element("div", "field");
    const label = element("label", "", "Steps");
    label.htmlFor = "hist-from";
    const row = element("div", "hist-range");
    this.from = this.number("hist-from", "from");
    this.to = this.number("hist-to", "to");
    const { range } = this.options;
    if (range && range.min !== -Number.MAX_SAFE_INTEGER) this.from.value = String(range.min);
    if (range && range.max !== Number.MAX_SAFE_INTEGER) this.to.value = String(range.max);
    const clear = element("button", "hist-range-clear", "All");
    clear.type = "button";
    clear.title = "Show every step";
    clear.addEventListener("click", () => {
      this.from.value = this.to.value = "";
      this.applyRange();
    });
    row.append(this.from, element("span", "muted", "–"), this.to, clear);
    field.append(label, row);
    this.el.append(field);
    for (const input of [this.from, this.to]) input.addEventListener("change", () => this.applyRange());
  }

  /** Writes the options into the address bar (defaults left out), keeping what else is there. */
  persist(): void {
    const q = new URLSearchParams(location.search);
    const { mode, axis, range } = this.options;
    const set = (key: string, value: string | null) => (value === null ? q.delete(key) : q.set(key, value));
    set("hist", mode === "offset" ? null : mode);
    set("histx", axis === "step" ? null : axis);
    set("histsteps", range ? `${this.from.value}-${this.to.value}` : null);
    const search = q.toString();
    const url = `${location.pathname}${search ? `?${search}` : ""}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
  }

  private applyRange(): void {
    const read = (input: HTMLInputElement) => (input.value.trim() === "" || !Number.isFinite(Number(input.value)) ? null : Math.round(Number(input.value)));
    const min = read(this.from);
    const max = read(this.to);
    this.options.range = min === null && max === null ? null : { min: min ?? -Number.MAX_SAFE_INTEGER, max: max ?? Number.MAX_SAFE_INTEGER };
    this.changed("range");
  }

  private select(id: string, text: string, choices: [string, string][], value: string): HTMLSelectElement {
    const field = element("div", "field");
    const label = element("label", "", text);
    label.htmlFor = id;
    const select = element("select", "");
    select.id = id;
    for (const [v, t] of choices) {
      const option = element("option", "", t);
      option.value = v;
      select.append(option);
    }
    select.value = value;
    field.append(label, select);
    this.el.append(field);
    return select;
  }

  private number(id: string, placeholder: string): HTMLInputElement {
    const input = element("input", "hist-step");
    input.type = "number";
    input.id = id;
    input.step = "1";
    input.placeholder = placeholder;
    input.setAttribute("aria-label", `Step ${placeholder}`);
    return input;
  }
}
