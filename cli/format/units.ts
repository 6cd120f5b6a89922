// Fixed-width text helpers for the formatters in cli/format/: the C printf conversions qstat and
// pbsnodes use. Durations and sizes come from core/pbs/duration.ts and core/pbs/size.ts.

/** printf `%-W.Ps`: cut to `precision` characters, then pad on the right to `width`. */
export function left(value: string, width: number, precision = Number.POSITIVE_INFINITY): string {
  return value.slice(0, precision).padEnd(width);
}

/** printf `%W.Ps`: cut to `precision` characters, then pad on the left to `width`. */
export function right(value: string, width: number, precision = Number.POSITIVE_INFINITY): string {
  return value.slice(0, precision).padStart(width);
}

/** qstat's truncation: a value longer than `len` keeps `len - 1` characters and gets a `*`. */
export function star(value: string, len: number): string {
  return value.length > len ? `${value.slice(0, len - 1)}*` : value;
}

const MAGNITUDES = ' kmgtp?';
const SHIFT: Record<string, number> = { k: 1, m: 2, g: 3, t: 4 };

/**
 * The `qstat -a` Memory column (as OpenPBS converts sizes): the value keeps its own unit unless the number
 * has more than four digits, then it moves up by 1024 (rounding up): `1gb`, `97656kb` → `96mb`.
 */
export function memoryColumn(value: string): string {
  const match = /^(\d+)([a-z]?)([a-z]?)/.exec(value.trim().toLowerCase());
  if (!match) return value;
  let n = Number(match[1]);
  const unit = match[2] ?? '';
  let out = SHIFT[unit] ?? 0;
  const suffix = unit === 'w' || match[3] === 'w' ? 'w' : 'b';
  while (n > 9999) {
    n = Math.floor((n + 1023) / 1024);
    out++;
  }
  return `${n}${MAGNITUDES[out] ?? '?'}${suffix}`;
}
