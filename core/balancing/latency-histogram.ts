// Latencies in a small fixed-bucket histogram: recording is one comparison loop and one increment,
// and percentiles are read from the buckets (the upper bound of the bucket the rank falls in).

/** bucket upper bounds in milliseconds; a last bucket takes everything above */
export const BUCKETS_MS = [
  0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000,
  30000, 60000,
];

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS_MS.length + 1);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    let b = 0;
    while (b < BUCKETS_MS.length && ms > BUCKETS_MS[b]!) b++;
    this.counts[b]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** The latency under which a share `p` (0 … 1) of the calls fell; 0 when there were none. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(BUCKETS_MS[b] ?? this.max, this.max);
    }
    return this.max;
  }

  summary(): { p50: number; p90: number; p99: number } {
    return { p50: this.percentile(0.5), p90: this.percentile(0.9), p99: this.percentile(0.99) };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
}
