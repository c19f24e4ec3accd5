// Live updates: polls /api/runs every 2 s; whenever the server's data generation moves, the way rank streams are
// listed changes or another dashboard is shown, also the dashboard list and the shown dashboard's tags. While
// the server can't be reached, a banner says so and polling goes on.

import {
  ApiError,
  fetchDashboards,
  fetchRuns,
  fetchTags,
  type DashboardsResponse,
  type RanksMode,
  type RunsResponse,
  type TagsResponse,
} from "./api";

const INTERVAL_MS = 2000;

/** What one poll brings: the runs, the dashboards, and the tags of `kind` (null: that kind has no tag route). */
export interface Update {
  runs: RunsResponse;
  dashboards: DashboardsResponse;
  kind: string | null;
  tags: TagsResponse | null;
}

export class Poller {
  /** Generation of the data last handed to `onData`; -1 before the first. */
  generation = -1;
  /** The `ranks` the data last handed to `onData` was listed with: run names follow it. */
  ranks: RanksMode;
  private kindShown: string | null = null;
  private failing = false;
  /** The server's last read failure, from the latest /api/runs. */
  private readError: string | null = null;
  private timer = 0;
  private running = false;
  /** `poll()` was asked while a tick was running: tick again as soon as it ends. */
  private again = false;

  /**
   * `onData` runs on the first answer, whenever new data was read, `mode()` or `kind()` changed, and after the
   * server comes back; `mode()` says how rank streams should be listed, `kind()` whose tags to fetch (null: none).
   */
  constructor(
    private readonly banner: HTMLElement,
    private readonly mode: () => RanksMode,
    private readonly kind: () => string | null,
    private readonly onData: (update: Update) => void,
  ) {
    this.ranks = mode();
  }

  start(): void {
    void this.tick();
  }

  /** Polls now rather than at the next tick (e.g. `mode()` or `kind()` changed). */
  poll(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    window.clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.running = true;
    const ranks = this.mode();
    const kind = this.kind();
    const tagsOf = () => (kind === null ? Promise.resolve(null) : fetchTags(kind, ranks));
    try {
      if (this.generation < 0 || this.failing || ranks !== this.ranks || kind !== this.kindShown) {
        // Nothing shown yet (or maybe stale, or listed otherwise): ask for everything at once.
        const [runs, dashboards, tags] = await Promise.all([fetchRuns(ranks), fetchDashboards(), tagsOf()]);
        this.readError = runs.error;
        this.show({ runs, dashboards, kind, tags }, ranks);
      } else {
        const runs = await fetchRuns(ranks);
        this.readError = runs.error;
        if (runs.generation !== this.generation) {
          const [dashboards, tags] = await Promise.all([fetchDashboards(), tagsOf()]);
          this.show({ runs, dashboards, kind, tags }, ranks);
        }
      }
      this.failing = false;
      this.banner.hidden = this.readError === null;
      if (this.readError !== null) this.banner.textContent = `The server cannot read the logdir: ${this.readError}`;
    } catch (e) {
      this.failing = true;
      this.banner.textContent =
        e instanceof ApiError && e.status === 0
          ? "Lost contact with the lightboard server. Retrying…"
          : `The lightboard server failed to answer (${e instanceof Error ? e.message : String(e)}). Retrying…`;
      this.banner.hidden = false;
    }
    this.running = false;
    const delay = this.again ? 0 : INTERVAL_MS;
    this.again = false;
    this.timer = window.setTimeout(() => void this.tick(), delay);
  }

  /** Hands over an update listed with `ranks`; when its parts were read at different generations, the oldest
   * counts, so that the next tick fetches them again. */
  private show(update: Update, ranks: RanksMode): void {
    const generations = [update.runs.generation, update.dashboards.generation];
    if (update.tags) generations.push(update.tags.generation);
    this.generation = Math.min(...generations);
    this.ranks = ranks;
    this.kindShown = update.kind;
    this.onData(update);
  }
}
