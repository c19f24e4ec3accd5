// Typed access to the `lightboard serve` API (all GET, same origin): JSON, and charts in the binary layout.

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
  /** Why the server's last read of the logdir failed (it retries), or null. */
  error: string | null;
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
  /** First finite wall_time of this run's tag (null if none): relative x = wall_time - start_time. */
  start_time: number | null;
  step: number[];
  wall_time: number[];
  /** NaN and ±inf as logged (the chart draws them as gaps, the tooltip shows them). */
  value: number[];
  smoothed: number[];
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

/** A successful answer to `url`, or an ApiError with the server's message. */
async function request(url: string, signal: AbortSignal | undefined, accept: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { Accept: accept } });
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
  return res;
}

/** The body of a successful answer, read by `read`; an ApiError when it breaks off. */
async function body<T>(res: Response, signal: AbortSignal | undefined, read: (res: Response) => Promise<T>) {
  try {
    return await read(res);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError("the server sent an incomplete response", 0);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await request(url, signal, "application/json");
  return body(res, signal, (r) => r.json() as Promise<T>);
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
  params.set("format", "binary");
  return `/api/scalars?${params}`;
}

/**
 * Decodes the binary chart answer (see the server's lightboard/serve/encode.py): a little-endian uint32 n, n
 * bytes of JSON (the answer without its columns, each series with its `length`), zeros up to a multiple of 8,
 * then per series `length` float64 each of step, wall_time, value, smoothed. Float64Array reads the platform's
 * byte order, little-endian on every platform a browser runs on.
 */
export function decodeScalars(buffer: ArrayBuffer): ScalarsResponse {
  const size = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size))) as Omit<
    ScalarsResponse,
    "series"
  > & { series: (Omit<ScalarSeries, "step" | "wall_time" | "value" | "smoothed"> & { length: number })[] };
  let offset = 4 + size + ((8 - ((4 + size) % 8)) % 8);
  const column = (length: number) => {
    const values = new Float64Array(buffer, offset, length);
    offset += 8 * length;
    return values;
  };
  const series = header.series.map(({ length, ...head }) => ({
    ...head,
    step: Array.from(column(length)),
    wall_time: Array.from(column(length)),
    value: Array.from(column(length)),
    smoothed: Array.from(column(length)),
  }));
  return { ...header, series };
}

export async function fetchScalars(q: ScalarsQuery, signal?: AbortSignal): Promise<ScalarsResponse> {
  const res = await request(scalarsUrl(q), signal, "application/octet-stream");
  return decodeScalars(await body(res, signal, (r) => r.arrayBuffer()));
}

export function downloadUrl(tag: string, runs: string[] | null, format: "csv" | "json"): string {
  const params = tagAndRuns(tag, runs);
  params.set("format", format);
  return `/api/scalars/download?${params}`;
}
