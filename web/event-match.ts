// Which server events concern which page's data. Pure.

/**
 * Whether a `jobs` or `farms` event may concern this job or farm: an id with the same sequence
 * number (`12.head1`, `12[3].head1` and `12[]` all concern `12[]`; a spare refetch costs little).
 * Other events always match.
 */
export function eventNames(data: unknown, id: string): boolean {
  const ids = (data as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(ids)) return true;
  const seq = (s: string) => /^\d+/.exec(s)?.[0] ?? s;
  const mine = seq(id);
  return ids.some((x) => typeof x === 'string' && seq(x) === mine);
}
