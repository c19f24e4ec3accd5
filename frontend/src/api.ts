// Typed access to the `lightboard serve` API shared by every dashboard (all GET, same origin): runs, dashboards,
// tags and points; requests with the server's error messages.

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
  /** The server's first read of the logdir goes on: what it read so far is shown, the rest follows. */
  reading: boolean;
  /** How many runs have rank streams (0: merging changes nothing). */
  rank_groups: number;
  runs: RunInfo[];
  /** What the reader skipped (damaged files, undecodable values): `count` in all, the first few listed. */
  damage: { count: number; items: { run: string; path: string; offset: number; problem: string }[] };
}

export interface TagsResponse {
  generation: number;
  /** tag -> runs having it; both sorted. */
  tags: Record<string, string[]>;
}

/** A failed request; status 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** A successful answer to `url`, or an ApiError with the server's message. */
export async function request(url: string, signal: AbortSignal | undefined, accept: string): Promise<Response> {
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
export async function body<T>(res: Response, signal: AbortSignal | undefined, read: (res: Response) => Promise<T>) {
  try {
    return await read(res);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError("the server sent an incomplete response", 0);
  }
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
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


/** Something wrong with a run (/api/alerts): a first NaN or infinity, a rule a lightboard writer applied, a stall. */
export interface Alert {
  run: string;
  /** "" for a stall (the whole run). */
  tag: string;
  step: number;
  wall_time: number;
  rule: string;
  /** NaN and infinities as strings. */
  value: number | string;
  message: string;
  stack?: string;
}

export interface AlertsResponse {
  generation: number;
  count: number;
  alerts: Alert[];
}

export const fetchAlerts = (signal?: AbortSignal) => getJson<AlertsResponse>("/api/alerts", signal);

/** One dashboard as /api/dashboards lists it. */
export interface DashboardInfo {
  name: string;
  title: string;
  /** False: the viewer cannot show this kind yet (the page says so). */
  viewable: boolean;
  /** How many tags of its kind the logdir has. */
  tags: number;
}

export interface DashboardsResponse {
  generation: number;
  dashboards: DashboardInfo[];
}

export const fetchDashboards = (signal?: AbortSignal) => getJson<DashboardsResponse>("/api/dashboards", signal);

/** `/api/<kind>?run&tag`: a tag's points in a run (`total` of them in the range; `steps` caps how many come). */
export interface PointsResponse<P> {
  run: string;
  tag: string;
  total: number;
  points: P[];
}

export interface PointsQuery {
  run: string;
  tag: string;
  /** The most points to fetch, spread evenly (first and last kept); absent: all. */
  steps?: number;
  /** Step range. */
  range?: { min: number; max: number } | null;
}

export function fetchPoints<P>(kind: string, q: PointsQuery, signal?: AbortSignal): Promise<PointsResponse<P>> {
  const params = new URLSearchParams({ run: q.run, tag: q.tag });
  if (q.steps !== undefined) params.set("steps", String(q.steps));
  if (q.range) {
    params.set("xmin", String(q.range.min));
    params.set("xmax", String(q.range.max));
  }
  return getJson<PointsResponse<P>>(`/api/${kind}?${params}`, signal);
}
