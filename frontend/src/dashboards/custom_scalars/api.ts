// The custom scalars API: the merged layout, the tags a regex matches, and a whole chart's series in one answer
// (/api/custom_scalars/chart: the scalars' binary layout, each series with its tag).

import { body, getJson, request, type RanksMode } from "../../api";
import type { XAxis } from "../../settings";
import { decodeScalars, type ScalarSeries } from "../scalars/api";

/** A Layout proto as JSON (TensorBoard's field names; absent fields are their defaults). */
export interface Layout {
  category?: LayoutCategory[];
}

export interface LayoutCategory {
  title?: string;
  closed?: boolean;
  chart?: LayoutChart[];
}

export interface MarginSeries {
  value?: string;
  lower?: string;
  upper?: string;
}

export interface LayoutChart {
  title?: string;
  /** Tags are regular expressions, matched from the start of each scalar tag. */
  multiline?: { tag?: string[] };
  margin?: { series?: MarginSeries[] };
}

export const fetchLayout = (signal?: AbortSignal) => getJson<Layout>("/api/custom_scalars/layout", signal);

/** `{tag: [runs]}` of the scalar tags `regex` matches from their start (Python's `re.match`). */
export const fetchMatch = (regex: string, ranks: RanksMode, signal?: AbortSignal) =>
  getJson<Record<string, string[]>>(`/api/custom_scalars/match?${new URLSearchParams({ regex, ranks })}`, signal);

export interface ChartSeries extends ScalarSeries {
  tag: string;
}

export interface ChartResponse {
  /** The tags drawn (at most 100), and how many were given or matched. */
  tags: string[];
  matched: number;
  x: XAxis;
  smoothing: number;
  generation: number;
  series: ChartSeries[];
}

export interface ChartQuery {
  /** Exact tags, and regexes whose matches are drawn too. */
  tags: readonly string[];
  regexes: readonly string[];
  /** null: every run. */
  runs: readonly string[] | null;
  x: XAxis;
  smoothing: number;
  range: { min: number; max: number } | null;
  /** Buckets per series at most (the server shares a budget among the series). */
  points: number;
  ranks: RanksMode;
}

export async function fetchChart(q: ChartQuery, signal?: AbortSignal): Promise<ChartResponse> {
  const params = new URLSearchParams({ ranks: q.ranks, x: q.x, smoothing: String(q.smoothing) });
  for (const tag of q.tags) params.append("tag", tag);
  for (const regex of q.regexes) params.append("regex", regex);
  for (const run of q.runs ?? []) params.append("run", run);
  params.set("points", String(Math.max(1, Math.min(10000, Math.round(q.points)))));
  if (q.range) {
    params.set("xmin", String(q.range.min));
    params.set("xmax", String(q.range.max));
  }
  params.set("format", "binary");
  const res = await request(`/api/custom_scalars/chart?${params}`, signal, "application/octet-stream");
  // The same layout as /api/scalars: the header's own fields (tags, matched) come through as they are.
  return decodeScalars(await body(res, signal, (r) => r.arrayBuffer())) as unknown as ChartResponse;
}
