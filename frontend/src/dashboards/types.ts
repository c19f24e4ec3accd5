// What every dashboard gets from the page (the shared run list, settings, polling and test hooks) and what it
// gives back: its element and the calls the page makes when tags, runs, filters or settings change.

import type { Alert, RanksMode } from "../api";
import type { SettingKey, Settings } from "../settings";

/** `window.lightboard`: what browser tests and the benchmark read. */
export interface Hooks {
  /** Scalar charts by tag: the uPlot plot and the answer it draws. */
  charts: Map<string, { plot: unknown; response: unknown }>;
  /** When each chart or card was last drawn (performance.now()): scalar charts by tag, other cards by
   * `<dashboard>:<tag>` or `<dashboard>:<run>:<tag>`. */
  drawnAt: Map<string, number>;
  /** The first data was shown. */
  ready: boolean;
  /** The dashboard shown. */
  dashboard: string;
}

export interface DashboardContext {
  settings: Settings;
  hooks: Hooks;
  /** Generation of the latest data the server reported: a card holding older data refetches. */
  generation(): number;
  /** How rank streams are listed in run names (scalars only merge them). */
  ranks(): RanksMode;
  /** The selected runs among `runs`, or null when that is all of them. */
  selectedAmong(runs: readonly string[]): string[] | null;
  /** Whether `run` is selected (ticked and matching the runs filter). */
  isSelected(run: string): boolean;
  /** The element that scrolls the dashboards (for lazy cards). */
  scroller: HTMLElement;
  /** The alerts of `tag` so far (markers on charts). */
  alerts(tag: string): readonly Alert[];
}

export interface Dashboard {
  /** Its content, shown in the main area while it is the active tab. */
  readonly el: HTMLElement;
  /** Sidebar controls of its own, shown while it is active. */
  readonly controls?: HTMLElement;
  /** The tag listing of its kind (`/api/<name>/tags`: tag -> runs). */
  setTags(tags: Record<string, string[]>, logdir: string): void;
  /** Runs were ticked or filtered, or new data arrived: bring what is on screen up to date. */
  refreshAll(): void;
  setTagFilter(filter: RegExp | null): void;
  /** A shared setting changed. */
  settingChanged?(key: SettingKey): void;
  /** It became the active tab (again). */
  shown?(): void;
  /** Show `tag` around `step` (an alert was clicked). */
  focus?(tag: string, step: number): void;
  /** The alerts changed: redraw their markers. */
  alertsChanged?(): void;
}

export interface DashboardModule {
  /** As in `?dashboard=<name>` and `/api/<name>`. */
  name: string;
  create(ctx: DashboardContext): Dashboard;
}
