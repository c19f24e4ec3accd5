// Live updates: polls /api/runs every 2 s, and the tag listing whenever the server's data generation moves.
// While the server can't be reached, a banner says so and polling goes on.

import { ApiError, fetchRuns, fetchTags, type RunsResponse, type TagsResponse } from "./api";

const INTERVAL_MS = 2000;

export class Poller {
  /** Generation of the data last handed to `onData`; -1 before the first. */
  generation = -1;
  private failing = false;
  /** The server's last read failure, from the latest /api/runs. */
  private readError: string | null = null;

  /** `onData` runs on the first answer, whenever new data was read, and after the server comes back. */
  constructor(
    private readonly banner: HTMLElement,
    private readonly onData: (runs: RunsResponse, tags: TagsResponse) => void,
  ) {}

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      if (this.generation < 0 || this.failing) {
        // Nothing shown yet (or maybe stale): ask for both at once rather than one after the other.
        const [runs, tags] = await Promise.all([fetchRuns(), fetchTags()]);
        this.readError = runs.error;
        this.show(runs, tags);
      } else {
        const runs = await fetchRuns();
        this.readError = runs.error;
        if (runs.generation !== this.generation) this.show(runs, await fetchTags());
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
    window.setTimeout(() => void this.tick(), INTERVAL_MS);
  }

  /** Hands over `runs` and `tags`; when they were read at different generations, the older one counts, so
   * that the next tick fetches the tags again. */
  private show(runs: RunsResponse, tags: TagsResponse): void {
    this.generation = Math.min(runs.generation, tags.generation);
    this.onData(runs, tags);
  }
}
