// Typed access to the `lightboard serve` JSON API (all GET, same origin).

export type XAxis = "step" | "relative" | "wall";

export interface RunInfo {
  name: string;
  points: number;
  last_step: number | null;
  start_time: number | null;
  last_time: number | null;
}

export interface RunsResponse {
  generation: number;
  logdir: string;
  runs: RunInfo[];
}

export interface TagsResponse {
  generation: number;
  /** tag -> runs having it; both sorted. */
  tags: Record<string, string[]>;
}

export interface ScalarSeries {
  run: string;
  /** Points in the full series (before any downsampling). */
  count: number;
  /** True when every point of the requested range is in the arrays. */
  full: boolean;
  /** First wall_time of this run's tag: relative x = wall_time - start_time. */
  start_time: number;
  step: number[];
  wall_time: number[];
  /** null where the value is NaN or ±inf. */
  value: (number | null)[];
  smoothed: (number | null)[];
}

export interface ScalarsResponse {
  tag: string;
  x: XAxis;
  smoothing: number;
  generation: number;
  series: ScalarSeries[];
}

export interface ScalarsQuery {
  tag: string;
  /** null: every run that has the tag. */
  runs: string[] | null;
  x: XAxis;
  smoothing: number;
  /** Visible x range when zoomed, in units of `x`. */
  range: { min: number; max: number } | null;
  /** Bucket count, about the chart's width in CSS pixels. */
  points: number;
}

/** A failed request; status 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { Accept: "application/json" } });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError("cannot reach the lightboard server", 0);
  }
  if (!res.ok) {
    let message = res.statusText || "request failed";
    try {
      const body: unknown = await res.json();
      if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
        message = (body as { error: string }).error;
      }
    } catch {
      // Not JSON (e.g. a proxy's error page): keep the status text.
    }
    throw new ApiError(`${res.status}: ${message}`, res.status);
  }
  try {
    return (await res.json()) as T;
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError("the server sent an incomplete response", 0);
  }
}

export const fetchRuns = (signal?: AbortSignal) => getJson<RunsResponse>("/api/runs", signal);

export const fetchTags = (signal?: AbortSignal) => getJson<TagsResponse>("/api/scalars/tags", signal);

function tagAndRuns(tag: string, runs: string[] | null): URLSearchParams {
  const params = new URLSearchParams({ tag });
  for (const run of runs ?? []) params.append("run", run);
  return params;
}

function scalarsUrl(q: ScalarsQuery): string {
  const params = tagAndRuns(q.tag, q.runs);
  params.set("x", q.x);
  params.set("smoothing", String(q.smoothing));
  params.set("points", String(q.points));
  if (q.range) {
    params.set("xmin", String(q.range.min));
    params.set("xmax", String(q.range.max));
  }
  return `/api/scalars?${params}`;
}

export const fetchScalars = (q: ScalarsQuery, signal?: AbortSignal) =>
  getJson<ScalarsResponse>(scalarsUrl(q), signal);

export function downloadUrl(tag: string, runs: string[] | null, format: "csv" | "json"): string {
  const params = tagAndRuns(tag, runs);
  params.set("format", format);
  return `/api/scalars/download?${params}`;
}
