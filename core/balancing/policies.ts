// The balancing policies as pure choices over a service's members, of which `mark` flags the
// candidates (those with a free slot, in the preferred tier): least outstanding requests weighted
// by the member's CPUs (the default), power of two choices, and round robin. Each returns the
// chosen member's index, or -1 when no member is marked. Consistent hashing is hash-ring.ts.

export interface Weighed {
  inFlight: number;
}

/** The marked member with the fewest calls per unit of weight, counting the one to be sent. */
export function leastOutstanding(
  members: readonly Weighed[],
  mark: Uint8Array,
  weight: Float64Array,
  /** where ties start being looked for: a rotating counter, so that ties spread */
  offset: number,
): number {
  const n = members.length;
  let best = -1;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let k = 0, m = offset % n; k < n; k++, m = m + 1 === n ? 0 : m + 1) {
    if (!mark[m]) continue;
    const score = (members[m]!.inFlight + 1) / weight[m]!;
    if (score < bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/** The `r`-th marked member (0-based), or -1. */
function nthMarked(mark: Uint8Array, n: number, r: number): number {
  for (let m = 0; m < n; m++) if (mark[m] && r-- === 0) return m;
  return -1;
}

/** Two marked members drawn at random; the one with fewer calls per weight. */
export function powerOfTwo(
  members: readonly Weighed[],
  mark: Uint8Array,
  count: number,
  weight: Float64Array,
  random: () => number,
): number {
  const n = members.length;
  if (count <= 1) return nthMarked(mark, n, 0);
  const i = Math.floor(random() * count);
  let j = Math.floor(random() * (count - 1));
  if (j >= i) j++;
  const a = nthMarked(mark, n, i);
  const b = nthMarked(mark, n, j);
  const sa = (members[a]!.inFlight + 1) / weight[a]!;
  const sb = (members[b]!.inFlight + 1) / weight[b]!;
  return sb < sa ? b : a;
}

/** The first marked member after `last` (in index order, wrapping). */
export function roundRobin(n: number, mark: Uint8Array, last: number): number {
  for (let k = 1; k <= n; k++) {
    const m = (last + k) % n;
    if (mark[m]) return m;
  }
  return -1;
}
