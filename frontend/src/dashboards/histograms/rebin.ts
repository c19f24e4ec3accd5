// Histogram arithmetic for drawing: the value range of many histograms, a histogram's counts spread over a common
// grid of equal bins (each bucket's count spread evenly over its width), and the bucket under a value.

/** A bucket as the API sends it: [left, right, count]; an edge is null when not finite. */
export type Bucket = [number | null, number | null, number];

export interface HistogramPoint {
  step: number;
  wall_time: number;
  buckets: Bucket[];
}

/** A bucket with finite edges (a missing edge takes the other's value). */
export type Edges = [left: number, right: number, count: number];

export function finiteBuckets(buckets: readonly Bucket[]): Edges[] {
  const out: Edges[] = [];
  for (const [l, r, c] of buckets) {
    const left = l ?? r;
    const right = r ?? l;
    if (left === null || right === null) continue;
    out.push([left, right, Number.isFinite(c) ? c : 0]);
  }
  return out;
}

/** The smallest left edge and largest right edge of all `histograms` (widened when they are equal), or null. */
export function valueRange(histograms: readonly Edges[][]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const buckets of histograms) {
    if (buckets.length === 0) continue;
    lo = Math.min(lo, buckets[0][0]);
    hi = Math.max(hi, buckets[buckets.length - 1][1]);
  }
  if (!(lo <= hi)) return null;
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 0.5;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** `buckets`' counts over `bins` equal bins from `lo` to `hi`, each bucket's count spread evenly over its width
 * (a zero-width bucket counts in the bin holding it). */
export function rebin(buckets: readonly Edges[], lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  const width = (hi - lo) / bins;
  const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
  for (const [left, right, count] of buckets) {
    if (count === 0) continue;
    if (!(right > left)) {
      out[binOf(left)] += count;
      continue;
    }
    const first = binOf(left);
    const last = binOf(right);
    if (first === last) {
      out[first] += count;
      continue;
    }
    const density = count / (right - left);
    for (let b = first; b <= last; b++) {
      const a = Math.max(left, lo + b * width);
      const z = Math.min(right, lo + (b + 1) * width);
      if (z > a) out[b] += density * (z - a);
    }
  }
  return out;
}

/** Index of the bucket holding `x` (left <= x < right; the last bucket includes its right edge), or -1. */
export function bucketAt(buckets: readonly Edges[], x: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [left, right] = buckets[mid];
    if (x < left) hi = mid - 1;
    else if (x >= right && !(mid === buckets.length - 1 && x === right)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Round tick values between `lo` and `hi`, about `count` of them. */
export function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}
