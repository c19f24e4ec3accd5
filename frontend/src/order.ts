// Natural order of run and tag names, as the server (and TensorBoard) sorts them: runs of digits compare as
// numbers, so "metric2" comes before "metric10"; other text compares by code point.

const PIECES = /(\d+)/;

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function naturalCompare(a: string, b: string): number {
  const x = a.split(PIECES);
  const y = b.split(PIECES);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    if (i % 2 === 1) {
      const d = Number(x[i]) - Number(y[i]);
      if (d !== 0) return d;
      continue;
    }
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** `names` sorted naturally (a new array). */
export const natural = (names: Iterable<string>): string[] => [...names].sort(naturalCompare);
