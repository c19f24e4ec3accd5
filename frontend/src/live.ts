// Live updates: polls /api/runs every 2 s, and the tag listing whenever the server's data generation moves.
// While the server can't be reached, a banner says so and polling goes on.

import { ApiError, fetchRuns, fetchTags, type RunsResponse, type TagsResponse } from "./api";

const INTERVAL_MS = 2000;

export class Poller {
  /** Generation of the data last handed to `onData`; -1 before the first. */
  generation = -1;
  private failing = false;

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
      const runs = await fetchRuns();
      if (runs.generation !== this.generation || this.failing) {
        const tags = await fetchTags();
        this.generation = runs.generation;
        this.onData(runs, tags);
      }
      this.failing = false;
      this.banner.hidden = true;
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
}
