// The dashboard tabs: one per dashboard that has data, in the server's order; the others (no data, or a kind the
// viewer cannot show yet without data) in an "Inactive" menu, as TensorBoard's.

import type { DashboardInfo } from "./api";
import { element } from "./dom";

export class Tabs {
  private readonly list: HTMLDivElement;
  private readonly inactive: HTMLDetailsElement;
  private readonly menu: HTMLDivElement;
  private key = "";

  /** `onPick` runs with a dashboard's name when the user picks it. */
  constructor(
    private readonly nav: HTMLElement,
    private readonly onPick: (name: string) => void,
  ) {
    this.list = element("div", "tab-list");
    this.list.setAttribute("role", "tablist");
    this.inactive = element("details", "inactive");
    const summary = element("summary", "", "Inactive");
    this.menu = element("div", "inactive-menu");
    this.inactive.append(summary, this.menu);
    this.nav.append(this.list, this.inactive);
  }

  /** Shows `dashboards` with `active` selected (it gets a tab even without data). */
  update(dashboards: readonly DashboardInfo[], active: string): void {
    const key = JSON.stringify([dashboards, active]);
    if (key === this.key) return;
    this.key = key;
    this.list.replaceChildren();
    this.menu.replaceChildren();
    for (const info of dashboards) {
      const hasData = info.tags > 0;
      const button = element("button", hasData || info.name === active ? "tab" : "inactive-item", info.title);
      button.type = "button";
      button.dataset.dashboard = info.name;
      button.title = describe(info);
      if (hasData || info.name === active) {
        button.setAttribute("role", "tab");
        button.setAttribute("aria-selected", String(info.name === active));
        this.list.append(button);
      } else {
        this.menu.append(button);
      }
      button.addEventListener("click", () => {
        this.inactive.open = false;
        this.onPick(info.name);
      });
    }
    this.inactive.hidden = this.menu.childElementCount === 0;
  }
}

function describe(info: DashboardInfo): string {
  const tags = `${info.tags} tag${info.tags === 1 ? "" : "s"}`;
  return info.viewable ? `${info.title}: ${tags}` : `${info.title}: ${tags} (lightboard cannot show this kind yet)`;
}
