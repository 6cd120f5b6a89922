// Consistent hashing on a session key: a ring of virtual nodes, each member placed at many points,
// so that removing a member moves only the keys that were on its points. The walk is bounded by
// load (consistent hashing with bounded loads): a member already above `factor` times the average
// in-flight count is passed over for the next one on the ring, so affinity never overloads one.

/** FNV-1a over the string's UTF-16 units, then murmur3's finalizer to spread nearby keys. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const DEFAULT_VNODES = 100;

export class HashRing {
  /** the points' hashes, ascending */
  private readonly points: Uint32Array;
  /** the member (index into `ids`) that owns each point */
  private readonly owners: Uint32Array;

  constructor(
    readonly ids: readonly string[],
    vnodes = DEFAULT_VNODES,
  ) {
    const all: [number, number][] = [];
    ids.forEach((id, m) => {
      for (let v = 0; v < vnodes; v++) all.push([hash32(`${id}#${v}`), m]);
    });
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = Uint32Array.from(all, (p) => p[0]);
    this.owners = Uint32Array.from(all, (p) => p[1]);
  }

  /** The position of the first point at or after the key's hash (wrapping to 0). */
  private start(key: string): number {
    const h = hash32(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.points.length ? 0 : lo;
  }

  /** The member that owns the key when every member may take it (-1 on an empty ring). */
  owner(key: string): number {
    return this.points.length ? this.owners[this.start(key)]! : -1;
  }

  /**
   * The first member on the key's walk that `usable` accepts and whose load is under the bound:
   * ceil(factor × (total load of the usable members + 1) / their count). -1 when none is usable.
   */
  pick(key: string, usable: (m: number) => boolean, load: (m: number) => number, factor = 1.25): number {
    let total = 0;
    let count = 0;
    for (let m = 0; m < this.ids.length; m++) {
      if (!usable(m)) continue;
      total += load(m);
      count++;
    }
    if (count === 0) return -1;
    const bound = Math.ceil((factor * (total + 1)) / count);
    const n = this.points.length;
    for (let i = 0, at = this.start(key); i < n; i++, at = at + 1 === n ? 0 : at + 1) {
      const m = this.owners[at]!;
      if (usable(m) && load(m) < bound) return m;
    }
    return -1;
  }
}
