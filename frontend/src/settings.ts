// Dashboard settings: read from and written back to the query string, edited through the sidebar controls.

import type { RanksMode } from "./api";
import { debounce } from "./debounce";
import { byId } from "./dom";

export type XAxis = "step" | "relative" | "wall";

export interface Settings {
  /** EMA weight in [0, 1), applied server-side. */
  smoothing: number;
  x: XAxis;
  logY: boolean;
  ignoreOutliers: boolean;
  /** Each distributed run's rank streams drawn as one run: their mean and min–max band (the default). */
  mergeRanks: boolean;
  /** The dashboard shown (`?dashboard=<name>`; "" until the page picks the first with data). */
  dashboard: string;
  /** Case-insensitive regex sources ("" = everything); always valid. */
  runFilter: string;
  tagFilter: string;
}

export type SettingKey = keyof Settings;

const DEFAULT_SMOOTHING = 0.6;
const MAX_SMOOTHING = 0.999;
const X_AXES: readonly XAxis[] = ["step", "relative", "wall"];

/** A user regex, matched like TensorBoard: case-insensitive `RegExp.test`. Null for the empty filter. */
/** The `ranks` the API is asked for under `s`. */
export const ranksMode = (s: Settings): RanksMode => (s.mergeRanks ? "merge" : "separate");

export function compileFilter(source: string): RegExp | null {
  return source ? new RegExp(source, "i") : null;
}

function isValidRegex(source: string): boolean {
  try {
    compileFilter(source);
    return true;
  } catch {
    return false;
  }
}

function clampSmoothing(v: number): number {
  return Number.isFinite(v) ? Math.min(MAX_SMOOTHING, Math.max(0, v)) : DEFAULT_SMOOTHING;
}

export function settingsFromUrl(): Settings {
  const q = new URLSearchParams(location.search);
  const x = q.get("x") as XAxis | null;
  const regex = (key: string) => {
    const source = q.get(key) ?? "";
    return isValidRegex(source) ? source : "";
  };
  return {
    smoothing: q.has("smoothing") ? clampSmoothing(Number(q.get("smoothing"))) : DEFAULT_SMOOTHING,
    x: x && X_AXES.includes(x) ? x : "step",
    logY: q.get("logy") === "1",
    ignoreOutliers: q.get("outliers") === "1",
    mergeRanks: q.get("ranks") !== "separate",
    dashboard: /^[a-z_]+$/.test(q.get("dashboard") ?? "") ? (q.get("dashboard") as string) : "",
    runFilter: regex("runs"),
    tagFilter: regex("tags"),
  };
}

/** Mirrors the settings into the address bar (defaults left out). Anything else, a `token` included, is dropped. */
export function writeUrl(s: Settings): void {
  const q = new URLSearchParams();
  if (s.dashboard) q.set("dashboard", s.dashboard);
  if (s.runFilter) q.set("runs", s.runFilter);
  if (s.tagFilter) q.set("tags", s.tagFilter);
  if (s.smoothing !== DEFAULT_SMOOTHING) q.set("smoothing", String(s.smoothing));
  if (s.x !== "step") q.set("x", s.x);
  if (s.logY) q.set("logy", "1");
  if (s.ignoreOutliers) q.set("outliers", "1");
  if (!s.mergeRanks) q.set("ranks", "separate");
  const search = q.toString();
  history.replaceState(history.state, "", location.pathname + (search ? `?${search}` : "") + location.hash);
}

/**
 * Shows `settings` in the sidebar controls and keeps it updated from them. `onChange` is told which setting
 * changed, after the URL was rewritten; smoothing and the regex filters are debounced (100 ms) as they change
 * on every keystroke or slider move.
 */
export function bindControls(settings: Settings, onChange: (key: SettingKey) => void): void {
  const changed = (key: SettingKey) => {
    writeUrl(settings);
    onChange(key);
  };

  const slider = byId<HTMLInputElement>("smoothing");
  const number = byId<HTMLInputElement>("smoothing-value");
  slider.value = number.value = String(settings.smoothing);
  // While the slider is dragged ("input"), refetch 100 ms after it rests; when it is released or the number
  // is typed ("change"), at once. `applied` keeps one change from fetching twice.
  let applied = settings.smoothing;
  const apply = () => {
    smoothingChanged.cancel();
    if (settings.smoothing !== applied) {
      applied = settings.smoothing;
      changed("smoothing");
    }
  };
  const smoothingChanged = debounce(apply, 100);
  slider.addEventListener("input", () => {
    settings.smoothing = clampSmoothing(slider.valueAsNumber);
    number.value = String(settings.smoothing);
    smoothingChanged();
  });
  slider.addEventListener("change", apply);
  number.addEventListener("change", () => {
    settings.smoothing = clampSmoothing(number.valueAsNumber);
    slider.value = number.value = String(settings.smoothing);
    apply();
  });

  const xAxis = byId<HTMLSelectElement>("x-axis");
  xAxis.value = settings.x;
  xAxis.addEventListener("change", () => {
    settings.x = xAxis.value as XAxis;
    changed("x");
  });

  const checkbox = (id: string, key: "logY" | "ignoreOutliers" | "mergeRanks") => {
    const box = byId<HTMLInputElement>(id);
    box.checked = settings[key];
    box.addEventListener("change", () => {
      settings[key] = box.checked;
      changed(key);
    });
  };
  checkbox("log-y", "logY");
  checkbox("ignore-outliers", "ignoreOutliers");
  checkbox("merge-ranks", "mergeRanks");

  // An invalid regex marks its input at once and leaves the last valid filter in effect.
  const filter = (id: string, key: "runFilter" | "tagFilter") => {
    const input = byId<HTMLInputElement>(id);
    input.value = settings[key];
    const apply = debounce(() => {
      if (input.value !== settings[key]) {
        settings[key] = input.value;
        changed(key);
      }
    }, 100);
    input.addEventListener("input", () => {
      const valid = isValidRegex(input.value);
      input.classList.toggle("invalid", !valid);
      input.setAttribute("aria-invalid", String(!valid));
      input.title = valid ? "" : "Not a valid regular expression";
      if (valid) apply();
      else apply.cancel();
    });
  };
  filter("run-filter", "runFilter");
  filter("tag-filter", "tagFilter");
}
