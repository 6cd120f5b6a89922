// Times, durations and sizes as the web view shows them. Pure: the time zone and the locale are
// arguments (the browser's own by default), so that the tests can pin them.

/** `3 Dec 2024, 10:26:05` in the viewer's zone (or `timeZone`). */
export function formatAbsolute(ms: number, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(ms));
}

/** `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`: the two largest units, whole numbers. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${name}`);
    if (parts.length === 2) break;
  }
  if (parts.length === 0) return '0 s';
  // `2 h 0 min` reads as `2 h`
  return parts.filter((p, i) => i === 0 || !p.startsWith('0 ')).join(' ');
}

/** `just now`, `5 min ago`, `in 2 h`: how far `ms` is from `now`, in its largest unit. */
export function formatRelative(ms: number, now: number): string {
  const diff = (ms - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const [name, size] = units.find(([, size]) => abs >= size) ?? ['s', 1];
  const text = `${Math.floor(abs / size)} ${name}`;
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** `512 B`, `1.5 KiB`, `12 GiB`: binary units, one decimal under 10. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 || v >= 10 ? String(Math.round(v)) : v.toFixed(1);
  return `${text} ${units[i]}`;
}

/** A share as a whole percentage, `0 %` when there is nothing to share. */
export function percent(used: number, total: number): number {
  return total > 0 ? Math.round((used / total) * 100) : 0;
}
