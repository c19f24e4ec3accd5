// What the charts draw from, shared by every card and kept for one data generation: the scalar tags with their
// runs, and what each regular expression matches (asked of the server, which matches as TensorBoard does).

import { fetchTags } from "../../api";
import type { DashboardContext } from "../types";
import { fetchMatch } from "./api";

type TagRuns = Record<string, string[]>;

/** A chart's tags: exact ones (a margin chart's, or typed), and regular expressions. */
export interface Wanted {
  tags: readonly string[];
  regexes: readonly string[];
}

export class Catalog {
  private key = "";
  private listing: Promise<TagRuns> | null = null;
  private readonly matches = new Map<string, Promise<TagRuns>>();

  constructor(private readonly ctx: Pick<DashboardContext, "generation" | "ranks">) {}

  /** `{tag: [runs]}` of what `wanted` picks: its exact tags that some run has, and every regex match. */
  async resolve(wanted: Wanted): Promise<TagRuns> {
    this.expire();
    const parts = await Promise.all([
      wanted.tags.length ? this.cached(null) : Promise.resolve({} as TagRuns),
      ...wanted.regexes.map((regex) => this.cached(regex)),
    ]);
    const [listing, ...matched] = parts;
    const result: TagRuns = {};
    for (const tag of wanted.tags) if (Object.prototype.hasOwnProperty.call(listing, tag)) result[tag] = listing[tag];
    for (const match of matched) Object.assign(result, match);
    return result;
  }

  /** Forgets everything when the data or the run naming changed. */
  private expire(): void {
    const key = `${this.ctx.generation()}:${this.ctx.ranks()}`;
    if (key === this.key) return;
    this.key = key;
    this.listing = null;
    this.matches.clear();
  }

  /** The scalar tags (regex null) or a regex's matches; a failed request is not kept. */
  private cached(regex: string | null): Promise<TagRuns> {
    const ranks = this.ctx.ranks();
    let promise = regex === null ? this.listing : this.matches.get(regex);
    if (!promise) {
      promise = regex === null ? fetchTags("scalars", ranks).then((t) => t.tags) : fetchMatch(regex, ranks);
      const kept = promise;
      if (regex === null) this.listing = kept;
      else this.matches.set(regex, kept);
      kept.catch(() => {
        if (regex === null && this.listing === kept) this.listing = null;
        if (regex !== null && this.matches.get(regex) === kept) this.matches.delete(regex);
      });
    }
    return promise;
  }
}
