// Number, step, duration and date formatting for axes and the tooltip.

/**
 * Up to 5 significant digits; exponent notation for very large or small magnitudes; NaN, Infinity and -Infinity
 * spelled as TensorBoard spells them; "–" for no value.
 */
export function formatValue(v: number | null | undefined): string {
  if (v == null) return "–";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(5)));
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });

/** Axis steps: 950, 12.5K, 3M. */
export function formatStepTick(v: number): string {
  return Math.abs(v) < 1e4 ? String(Math.round(v * 100) / 100) : compact.format(v);
}

const grouped = new Intl.NumberFormat("en");

/** Tooltip steps: every digit, grouped. */
export function formatStep(v: number): string {
  return grouped.format(v);
}

/**
 * Seconds as "1d 2h", "3h 05m", "4m 07s" or "8.5s": the two most significant units, which is as much as an axis
 * tick or a tooltip needs.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–"; // a point logged without a wall time
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(seconds);
  if (s < 60) return sign + (s < 10 ? String(Math.round(s * 100) / 100) : String(Math.round(s * 10) / 10)) + "s";
  s = Math.round(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${sign}${d}d${h ? ` ${h}h` : ""}`;
  if (h > 0) return `${sign}${h}h${m ? ` ${pad(m)}m` : ""}`;
  return `${sign}${m}m${sec ? ` ${pad(sec)}s` : ""}`;
}

/** Tick spacings for a relative-time axis, in seconds: round units of time rather than powers of ten. */
export const DURATION_INCREMENTS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
  60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
  86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400, 365 * 86400,
];

/** Epoch seconds as local "2024-05-01 13:45:07". */
export function formatDate(epochSeconds: number): string {
  if (!Number.isFinite(epochSeconds)) return "–";
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
