// Live updates: polls /api/runs every 2 s, and the tag listing whenever the server's data generation moves or
// the way rank streams are shown changes. While the server can't be reached, a banner says so and polling goes on.

import { ApiError, fetchRuns, fetchTags, type RanksMode, type RunsResponse, type TagsResponse } from "./api";

const INTERVAL_MS = 2000;

export class Poller {
  /** Generation of the data last handed to `onData`; -1 before the first. */
  generation = -1;
  /** The `ranks` the data last handed to `onData` was listed with: run names follow it. */
  ranks: RanksMode;
  private failing = false;
  /** The server's last read failure, from the latest /api/runs. */
  private readError: string | null = null;
  private timer = 0;
  private running = false;
  /** `poll()` was asked while a tick was running: tick again as soon as it ends. */
  private again = false;

  /**
   * `onData` runs on the first answer, whenever new data was read or `mode()` changed, and after the server
   * comes back; `mode()` says how rank streams should be listed.
   */
  constructor(
    private readonly banner: HTMLElement,
    private readonly mode: () => RanksMode,
    private readonly onData: (runs: RunsResponse, tags: TagsResponse) => void,
  ) {
    this.ranks = mode();
  }

  start(): void {
    void this.tick();
  }

  /** Polls now rather than at the next tick (e.g. `mode()` changed). */
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
    try {
      if (this.generation < 0 || this.failing || ranks !== this.ranks) {
        // Nothing shown yet (or maybe stale, or listed otherwise): ask for both at once rather than one after the other.
        const [runs, tags] = await Promise.all([fetchRuns(ranks), fetchTags("scalars", ranks)]);
        this.readError = runs.error;
        this.show(runs, tags, ranks);
      } else {
        const runs = await fetchRuns(ranks);
        this.readError = runs.error;
        if (runs.generation !== this.generation) this.show(runs, await fetchTags("scalars", ranks), ranks);
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

  /** Hands over `runs` and `tags`, listed with `ranks`; when they were read at different generations, the
   * older one counts, so that the next tick fetches the tags again. */
  private show(runs: RunsResponse, tags: TagsResponse, ranks: RanksMode): void {
    this.generation = Math.min(runs.generation, tags.generation);
    this.ranks = ranks;
    this.onData(runs, tags);
  }
}
