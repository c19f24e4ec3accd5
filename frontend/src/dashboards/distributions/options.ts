// The distributions dashboard's own control (sidebar panel): the horizontal axis (step, relative or wall time),
// kept in the address bar under `distx` (read when this module loads, before the page normalises the address
// bar, and written again whenever this dashboard is shown or refreshed: the shared settings rewrite it).

import { element } from "../../dom";
import type { Axis } from "../histograms/draw";

const OPENED = new URLSearchParams(location.search);
const AXES: [Axis, string][] = [
  ["step", "Step"],
  ["relative", "Relative"],
  ["wall", "Wall"],
];

export class DistControls {
  readonly el: HTMLElement;
  axis: Axis;

  constructor(changed: () => void) {
    this.axis = AXES.find(([a]) => a === OPENED.get("distx"))?.[0] ?? "step";
    this.el = element("section", "panel dist-controls");
    this.el.id = "distributions-settings";
    this.el.hidden = true;
    const field = element("div", "field");
    const label = element("label", "", "Horizontal axis");
    label.htmlFor = "dist-axis";
    const select = element("select", "");
    select.id = "dist-axis";
    for (const [value, text] of AXES) {
      const option = element("option", "", text);
      option.value = value;
      select.append(option);
    }
    select.value = this.axis;
    select.addEventListener("change", () => {
      this.axis = select.value as Axis;
      changed();
    });
    field.append(label, select);
    this.el.append(element("h2", "", "Distributions"), field);
  }

  /** Writes the axis into the address bar (left out when "step"), keeping what else is there. */
  persist(): void {
    const q = new URLSearchParams(location.search);
    if (this.axis === "step") q.delete("distx");
    else q.set("distx", this.axis);
    const search = q.toString();
    const url = `${location.pathname}${search ? `?${search}` : ""}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
  }
}
