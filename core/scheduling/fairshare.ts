// Fair share (pure): a user's usage is the allocated CPU-seconds of their finished job runs,
// each decayed by half every half-life since it ended:
//   usage(t) = Σ ncpus_j · walltime_j · 2^(−(t − end_j) / halfLife)
// kept as one number per user and brought forward to `t` when read or added to. In a fair-share
// queue, jobs of users with less usage go first (then job priority, then submission order).

export const HALF_LIFE_SECONDS = 24 * 3600;

export interface UsageEntry {
  usage: number;
  /** epoch seconds */
  at: number;
}

/** The usage as it stands at `now`. */
export function decayed(entry: UsageEntry, now: number, halfLife = HALF_LIFE_SECONDS): number {
  return entry.usage * 2 ** (-Math.max(0, now - entry.at) / halfLife);
}

/** The entry after a run of `cpuSeconds` ended at `now`. */
export function addUsage(entry: UsageEntry | undefined, cpuSeconds: number, now: number): UsageEntry {
  return { usage: (entry ? decayed(entry, now) : 0) + cpuSeconds, at: now };
}
