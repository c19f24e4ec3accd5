// Entry point: the shared run list, settings, tabs and live polling, and the dashboard shown (made when first
// shown, from the table in dashboards/registry.ts).

import "./style.css";
import type { DashboardInfo, RunsResponse } from "./api";
import { Alerts } from "./alerts";
import { assignColors } from "./colors";
import { DASHBOARDS } from "./dashboards/registry";
import type { Dashboard, DashboardContext, Hooks } from "./dashboards/types";
import { byId, element } from "./dom";
import { Poller, type Update } from "./live";
import { Tabs } from "./nav";
import { RunList } from "./runlist";
import { bindControls, compileFilter, ranksMode, settingsFromUrl, writeUrl, type SettingKey } from "./settings";

declare global {
  interface Window {
    lightboard: Hooks;
  }
}

const hooks: Hooks = { charts: new Map(), drawnAt: new Map(), ready: false, dashboard: "" };
window.lightboard = hooks;

const settings = settingsFromUrl();
writeUrl(settings); // normalises the address bar and drops a `token` the server already turned into a cookie

const main = byId("main");
const content = byId("dashboards");
const made = new Map<string, Dashboard>();
let listed: DashboardInfo[] = [];
let logdir = "";
let tagFilter = compileFilter(settings.tagFilter);
/** Shown in place of a dashboard the page cannot show (yet). */
const unavailable = element("div", "unavailable");
content.append(unavailable);

const alerts = new Alerts(
  byId("alerts"),
  (alert) => {
    show("scalars");
    active()?.focus?.(alert.tag, alert.step);
  },
  () => active()?.alertsChanged?.(),
);
const runList = new RunList(byId("runs"), byId("runs-scroll"), byId("runs-count"), () => active()?.refreshAll());
const ctx: DashboardContext = {
  settings,
  hooks,
  generation: () => poller.generation,
  ranks: () => poller.ranks,
  selectedAmong: (runs) => runList.selectedAmong(runs),
  isSelected: (run) => runList.isSelected(run),
  scroller: main,
  alerts: (tag) => alerts.of(tag),
};

/** The dashboard shown, made on first use; undefined for one the page cannot show. */
function active(): Dashboard | undefined {
  const name = settings.dashboard;
  const module = DASHBOARDS[name];
  if (!module) return undefined;
  let dashboard = made.get(name);
  if (!dashboard) {
    dashboard = module.create(ctx);
    made.set(name, dashboard);
    content.append(dashboard.el);
    dashboard.setTagFilter(tagFilter);
  }
  return dashboard;
}

/** Shows dashboard `name`: its element and controls, the others hidden; its tags come with the next poll (now,
 * unless `poll` is false because they already came). */
function show(name: string, poll = true): void {
  settings.dashboard = name;
  hooks.dashboard = name;
  writeUrl(settings);
  const shown = active();
  for (const [other, dashboard] of made) {
    dashboard.el.hidden = other !== name;
    if (dashboard.controls) dashboard.controls.hidden = other !== name;
  }
  unavailable.hidden = shown !== undefined;
  if (!shown) {
    const info = listed.find((d) => d.name === name);
    unavailable.textContent = info
      ? `lightboard cannot show ${info.title.toLowerCase()} yet: this logdir has ${info.tags} such tag${info.tags === 1 ? "" : "s"}. ` +
        `TensorBoard shows them: tensorboard --logdir ${logdir}`
      : `There is no dashboard “${name}”.`;
  }
  tabs.update(listed, name);
  shown?.shown?.();
  if (poll) poller.poll();
}

/** The dashboard whose tags polling fetches: the one shown, or, before one is, scalars (the usual first). */
function kindToFetch(): string | null {
  const name = settings.dashboard || "scalars";
  return DASHBOARDS[name] ? name : null;
}

/** Says, above the dashboards, that data was skipped and where (everything else is shown). */
function showDamage(damage: RunsResponse["damage"]): void {
  const box = byId<HTMLDetailsElement>("damage");
  box.hidden = damage.count === 0;
  const summary = box.querySelector("summary") as HTMLElement;
  const s = damage.count === 1 ? "" : "s";
  summary.textContent = `Some data could not be read and was skipped (${damage.count} place${s}); everything else is shown.`;
  const list = box.querySelector("ul") as HTMLUListElement;
  list.replaceChildren(
    ...damage.items.map((item) => {
      const where = item.offset >= 0 ? ` at byte ${item.offset}` : "";
      return element("li", "", `${item.run}: ${item.path}${where}: ${item.problem}`);
    }),
  );
  if (damage.count > damage.items.length) list.append(element("li", "", `… and ${damage.count - damage.items.length} more`));
}

const tabs = new Tabs(byId("tabs"), show);
const poller = new Poller(byId("banner"), () => ranksMode(settings), kindToFetch, (update: Update) => {
  const { runs, dashboards } = update;
  logdir = runs.logdir;
  // Marks keep the path left-to-right inside the right-to-left box that ellipsizes its start.
  byId("logdir").textContent = `\u200e${runs.logdir}\u200e${runs.reading ? " — reading…" : ""}`;
  byId("logdir").title = runs.logdir;
  byId("merge-ranks-row").hidden = runs.rank_groups === 0;
  showDamage(runs.damage);
  assignColors(runs.logdir, runs.runs.map((run) => run.name));
  runList.update(runs.runs);
  listed = dashboards.dashboards;
  if (!settings.dashboard) {
    const first = listed.find((d) => d.tags > 0 && DASHBOARDS[d.name])?.name ?? "scalars";
    show(first, first !== update.kind); // the first poll fetched the scalars' tags: poll again only for another's
    if (first !== update.kind) return;
  }
  tabs.update(listed, settings.dashboard);
  if (update.tags && update.kind === settings.dashboard) active()?.setTags(update.tags.tags, runs.logdir);
  if (!DASHBOARDS[settings.dashboard]) show(settings.dashboard); // its message names the tag count
  hooks.ready = true;
  active()?.refreshAll();
  void alerts.update(runs.generation); // after the charts' requests: the server answers in order
});

runList.setFilter(compileFilter(settings.runFilter));

bindControls(settings, (key: SettingKey) => {
  switch (key) {
    case "runFilter":
      runList.setFilter(compileFilter(settings.runFilter));
      active()?.refreshAll();
      break;
    case "tagFilter":
      tagFilter = compileFilter(settings.tagFilter);
      for (const dashboard of made.values()) dashboard.setTagFilter(tagFilter);
      break;
    case "mergeRanks":
      poller.poll(); // new run names: the charts follow once they are listed
      break;
    default:
      active()?.settingChanged?.(key);
  }
});
byId("runs-all").addEventListener("click", () => runList.setAllVisible(true));
byId("runs-none").addEventListener("click", () => runList.setAllVisible(false));

if (settings.dashboard) show(settings.dashboard); // which polls
else poller.start();
