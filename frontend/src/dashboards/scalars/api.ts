// The scalars API: charts in the binary layout, and downloads.

import { body, request, type RanksMode } from "../../api";
import type { XAxis } from "../../settings";

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
      const view = new Float64Array(buffer, offset, length);
      const column: number[] = new Array(length);
      for (let i = 0; i < length; i++) column[i] = view[i];
      columns[name] = column;
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
