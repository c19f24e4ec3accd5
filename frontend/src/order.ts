// Natural order of run and tag names, as the server (and TensorBoard) sorts them: runs of digits compare as
// numbers, so "metric2" comes before "metric10"; other text compares by code point.

const PIECES = /(\d+)/;

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function naturalCompare(a: string, b: string): number {
  return comparePieces(a.split(PIECES), b.split(PIECES));
}

/** Compares names cut by PIECES: text at even places, digits at odd ones. */
function comparePieces(x: string[], y: string[]): number {
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

/** `names` sorted naturally (a new array); each name is cut once, and names already in order (as the server
 * sends them) are only checked. */
export function natural(names: Iterable<string>): string[] {
  const keyed = [...names].map((name) => ({ name, pieces: name.split(PIECES) }));
  let sorted = true;
  for (let i = 1; i < keyed.length && sorted; i++) sorted = comparePieces(keyed[i - 1].pieces, keyed[i].pieces) <= 0;
  if (!sorted) keyed.sort((a, b) => comparePieces(a.pieces, b.pieces));
  return keyed.map((item) => item.name);
}
