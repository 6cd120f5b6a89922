// A job record (core/record-types.ts, as `qstat -f` prints it) as rows of name and value: nested
// objects flattened to dotted names, times (epoch seconds) marked so they show as dates. Pure.

export interface RecordRow {
  name: string;
  value: string;
  /** epoch milliseconds when the value is a time */
  time?: number;
}

/** Names whose value counts seconds since the epoch. */
const TIMES = new Set([
  'ctime',
  'qtime',
  'mtime',
  'etime',
  'stime',
  'obittime',
  'estimatedStart',
  'checkpoint.at',
]);

export function recordRows(record: unknown, prefix = ''): RecordRow[] {
  if (record === null || typeof record !== 'object') return [];
  const rows: RecordRow[] = [];
  for (const [k, v] of Object.entries(record as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      const simple = v.every((x) => x === null || typeof x !== 'object');
      const pairs = v.every((x) => Array.isArray(x) && x.length === 2);
      if (simple) rows.push({ name, value: v.join(', ') });
      // environment variables as [name, value] pairs: one `NAME=value` a line
      else if (pairs) rows.push({ name, value: v.map(([k, x]) => `${k}=${x}`).join('\n') });
      else for (const [i, x] of v.entries()) rows.push(...recordRows(x, `${name}[${i}]`));
    } else if (typeof v === 'object') rows.push(...recordRows(v, name));
    else if (TIMES.has(name) && typeof v === 'number') rows.push({ name, value: String(v), time: v * 1000 });
    else rows.push({ name, value: String(v) });
  }
  return rows;
}

/** The job's user name from `user@host`. */
export function ownerName(owner: string): string {
  return owner.split('@')[0] ?? owner;
}
