// The alerts panel: what /api/alerts found (a first NaN or infinity, a lightboard writer's rule, a stall), above the
// dashboards; a click on one shows its chart zoomed around its step. Fetched after the data it concerns is shown
// (never ahead of a page's first charts), and again whenever new data is read.

import { fetchAlerts, type Alert } from "./api";
import { element } from "./dom";
import { formatStep } from "./format";

export class Alerts {
  private byTag = new Map<string, Alert[]>();
  private generation = -1;
  private pending = false;

  /** `onPick` runs with an alert the user clicked; `onChange` when the alerts changed (charts redraw markers). */
  constructor(
    private readonly box: HTMLDetailsElement,
    private readonly onPick: (alert: Alert) => void,
    private readonly onChange: () => void,
  ) {}

  /** The alerts of `tag`. */
  of(tag: string): readonly Alert[] {
    return this.byTag.get(tag) ?? [];
  }

  /** Fetches the alerts if the data moved past what they were fetched for. */
  async update(generation: number): Promise<void> {
    if (generation === this.generation || this.pending) return;
    this.pending = true;
    try {
      const answer = await fetchAlerts();
      this.generation = answer.generation;
      this.show(answer.alerts, answer.count);
    } catch {
      // The banner reports a server that cannot be reached; the next poll tries again.
    } finally {
      this.pending = false;
    }
  }

  private show(alerts: Alert[], count: number): void {
    this.byTag = new Map();
    for (const alert of alerts) this.byTag.set(alert.tag, [...(this.byTag.get(alert.tag) ?? []), alert]);
    this.box.hidden = count === 0;
    const summary = this.box.querySelector("summary") as HTMLElement;
    summary.textContent = `${count} alert${count === 1 ? "" : "s"}: ${describe(alerts[0])}${count > 1 ? ", …" : ""}`;
    const list = this.box.querySelector("ul") as HTMLUListElement;
    list.replaceChildren(
      ...alerts.map((alert) => {
        const item = element("li", "alert");
        item.dataset.run = alert.run;
        item.dataset.tag = alert.tag;
        item.dataset.step = String(alert.step);
        item.dataset.rule = alert.rule;
        const button = element("button", "alert-link", describe(alert));
        button.type = "button";
        button.title = alert.message;
        button.disabled = alert.tag === "";
        button.addEventListener("click", () => this.onPick(alert));
        item.append(button);
        if (alert.stack) {
          const stack = element("details", "alert-stack");
          stack.append(element("summary", "", "stacks"), element("pre", "", alert.stack));
          item.append(stack);
        }
        return item;
      }),
    );
    if (count > alerts.length) list.append(element("li", "", `… and ${count - alerts.length} more`));
    this.onChange();
  }
}

function describe(alert: Alert | undefined): string {
  if (!alert) return "";
  const where = alert.tag ? `${alert.tag} at step ${formatStep(alert.step)}` : `after step ${formatStep(alert.step)}`;
  return `${alert.rule} in ${alert.run}: ${where}`;
}
