// Entry point: wires the settings, run list, dashboard and live polling together.

import type { Hooks } from "./chart";
import { assignColors } from "./colors";
import { Dashboard } from "./dashboard";
import { byId } from "./dom";
import { Poller } from "./live";
import { RunList } from "./runlist";
import { bindControls, compileFilter, ranksMode, settingsFromUrl, writeUrl, type SettingKey } from "./settings";

declare global {
  interface Window {
    lightboard: Hooks;
  }
}

const hooks: Hooks = { charts: new Map(), drawnAt: new Map(), ready: false };
window.lightboard = hooks;

const settings = settingsFromUrl();
writeUrl(settings); // normalises the address bar and drops a `token` the server already turned into a cookie

const runList = new RunList(byId("runs"), byId("runs-count"), () => dashboard.refreshAll());
const poller = new Poller(byId("banner"), () => ranksMode(settings), (runs, tags) => {
  // Marks keep the path left-to-right inside the right-to-left box that ellipsizes its start.
  byId("logdir").textContent = `\u200e${runs.logdir}\u200e`;
  byId("logdir").title = runs.logdir;
  byId("merge-ranks-row").hidden = runs.rank_groups === 0;
  assignColors(runs.logdir, runs.runs.map((run) => run.name));
  runList.update(runs.runs);
  dashboard.setTags(tags.tags, runs.logdir);
  hooks.ready = true;
  dashboard.refreshAll();
});
const dashboard = new Dashboard(byId("groups"), byId("main"), byId("notice"), {
  settings,
  hooks,
  generation: () => poller.generation,
  ranks: () => poller.ranks,
  selectedAmong: (runs) => runList.selectedAmong(runs),
});

runList.setFilter(compileFilter(settings.runFilter));
dashboard.setTagFilter(compileFilter(settings.tagFilter));

bindControls(settings, (key: SettingKey) => {
  switch (key) {
    case "smoothing":
      dashboard.refreshAll();
      break;
    case "x":
      dashboard.resetZoomAll();
      dashboard.refreshAll();
      break;
    case "logY":
    case "ignoreOutliers":
      dashboard.restyleAll();
      break;
    case "runFilter":
      runList.setFilter(compileFilter(settings.runFilter));
      dashboard.refreshAll();
      break;
    case "tagFilter":
      dashboard.setTagFilter(compileFilter(settings.tagFilter));
      break;
    case "mergeRanks":
      poller.poll(); // new run names: the charts follow once they are listed
      break;
  }
});
byId("runs-all").addEventListener("click", () => runList.setAllVisible(true));
byId("runs-none").addEventListener("click", () => runList.setAllVisible(false));

// The plots draw with colours read from CSS: rebuild them when the system theme flips.
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => dashboard.restyleAll());

poller.start();
