// PBS size values (mem, vmem, pmem, file): an integer, an optional k|m|g|t|p multiplier
// (powers of 1024) and an optional b (byte) or w (8-byte word) unit, all case-insensitive.

export interface ParsedSize {
  bytes: number;
  /** PBS display form: lowercase, unit always written (`13mb`, `1234b`, `97656kb`) */
  display: string;
}

const SIZE = /^(\d+)([kmgtp]?)([bw]?)$/i;
const MULTIPLIERS = ['', 'k', 'm', 'g', 't', 'p'];
const DISPLAY_UNITS: [string, number][] = [
  ['tb', 2 ** 40],
  ['gb', 2 ** 30],
  ['mb', 2 ** 20],
  ['kb', 2 ** 10],
];

export function parseSize(s: string): ParsedSize | undefined {
  const match = SIZE.exec(s);
  if (!match) return undefined;
  const count = Number(match[1]);
  const multiplier = (match[2] as string).toLowerCase();
  const unit = (match[3] as string).toLowerCase() || 'b';
  const bytes = count * 1024 ** MULTIPLIERS.indexOf(multiplier) * (unit === 'w' ? 8 : 1);
  if (!Number.isSafeInteger(bytes)) return undefined;
  return { bytes, display: `${count}${multiplier}${unit}` };
}

/** The largest of b, kb, mb, gb, tb that divides `bytes` exactly: 1073741824 → `1gb`. */
export function formatSize(bytes: number): string {
  for (const [name, factor] of DISPLAY_UNITS) {
    if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${name}`;
  }
  return `${bytes}b`;
}

/** `<n>kb`, rounded up: how PBS shows exec_vnode memory and resources_used. */
export function formatKb(bytes: number): string {
  return `${Math.ceil(bytes / 1024)}kb`;
}

/** The multiplier (1, 1024, 1024²...) a displayed size was written with. */
export function sizeUnit(display: string): number {
  const match = /([kmgtp]?)[bw]?$/i.exec(display);
  return 1024 ** MULTIPLIERS.indexOf((match?.[1] ?? '').toLowerCase());
}

/**
 * Display of a sum of sizes the way PBS adds them: in the smallest unit among the terms
 * (1gb + 512mb → `1536mb`; 2 × 4gb → `8gb`).
 */
export function formatSizeSum(terms: { bytes: number; unit: number }[]): string {
  const unit = Math.min(...terms.map((term) => term.unit));
  const total = terms.reduce((sum, term) => sum + term.bytes, 0);
  const name = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'][Math.round(Math.log2(unit) / 10)];
  return `${total / unit}${name}`;
}
