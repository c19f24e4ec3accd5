// Typed access to the `lightboard serve` API (all GET, same origin): JSON, and charts in the binary layout.

export type XAxis = "step" | "relative" | "wall";

/** How the per-rank streams of a distributed run are shown: each as a run, or merged into one `<run>/rank-*`. */
export type RanksMode = "separate" | "merge";

export interface RunInfo {
  name: string;
  points: number;
  last_step: number | null;
  start_time: number | null;
  last_time: number | null;
  /** Merged rank streams only: how many ranks the entry merges. */
  ranks?: number;
}

export interface RunsResponse {
  generation: number;
  logdir: string;
  /** Why the server's last read of the logdir failed (it retries), or null. */
  error: string | null;
  /** How many runs have rank streams (0: merging changes nothing). */
  rank_groups: number;
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
  /** Merged rank streams only: `value` is then the mean across the ranks that logged each step. */
  merged?: true;
  /** Merged only: the ranks' lowest and highest value at each step, and how many ranks logged it. */
  min?: number[];
  max?: number[];
  ranks?: number[];
}

/** The columns of a series, in the binary layout's order (a merged series has the band's too). */
const COLUMNS = ["step", "wall_time", "value", "smoothed"] as const;
const BAND = ["min", "max", "ranks"] as const;
type Column = (typeof COLUMNS)[number] | (typeof BAND)[number];

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
  ranks: RanksMode;
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

export const fetchRuns = (ranks: RanksMode, signal?: AbortSignal) =>
  getJson<RunsResponse>(`/api/runs?ranks=${ranks}`, signal);

/** A kind's tags (`/api/<kind>/tags` answers `{tag: [runs]}`, its data generation in a header). */
export async function fetchTags(kind: string, ranks: RanksMode, signal?: AbortSignal): Promise<TagsResponse> {
  const res = await request(`/api/${kind}/tags?ranks=${ranks}`, signal, "application/json");
  const tags = await body(res, signal, (r) => r.json() as Promise<Record<string, string[]>>);
  return { generation: Number(res.headers.get("X-Lightboard-Generation") ?? -1), tags };
}

function tagAndRuns(tag: string, runs: string[] | null, ranks: RanksMode): URLSearchParams {
  const params = new URLSearchParams({ tag, ranks });
  for (const run of runs ?? []) params.append("run", run);
  return params;
}

function scalarsUrl(q: ScalarsQuery): string {
  const params = tagAndRuns(q.tag, q.runs, q.ranks);
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
 * then per series `length` float64 each of step, wall_time, value, smoothed, and for a merged series of min,
 * max, ranks. Float64Array reads the platform's byte order, little-endian on every platform a browser runs on.
 */
export function decodeScalars(buffer: ArrayBuffer): ScalarsResponse {
  const size = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size))) as Omit<
    ScalarsResponse,
    "series"
  > & { series: (Omit<ScalarSeries, Column> & { length: number })[] };
  let offset = 4 + size + ((8 - ((4 + size) % 8)) % 8);
  const series = header.series.map(({ length, ...head }) => {
    const columns: Partial<Record<Column, number[]>> = {};
    for (const name of head.merged ? [...COLUMNS, ...BAND] : COLUMNS) {
      columns[name] = Array.from(new Float64Array(buffer, offset, length));
      offset += 8 * length;
    }
    return { ...head, ...columns } as ScalarSeries;
  });
  return { ...header, series };
}

export async function fetchScalars(q: ScalarsQuery, signal?: AbortSignal): Promise<ScalarsResponse> {
  const res = await request(scalarsUrl(q), signal, "application/octet-stream");
  return decodeScalars(await body(res, signal, (r) => r.arrayBuffer()));
}

export function downloadUrl(tag: string, runs: string[] | null, ranks: RanksMode, format: "csv" | "json"): string {
  const params = tagAndRuns(tag, runs, ranks);
  params.set("format", format);
  return `/api/scalars/download?${params}`;
}
