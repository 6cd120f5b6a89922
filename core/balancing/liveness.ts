// Whether an instance may take calls, from what the broker sees of it, with time passed in:
// active health checks (`fall` failed checks in a row take it out, `rise` passed ones bring it
// back), passive outlier ejection (`consecutiveFailures` failed calls in a row eject it for a
// time that grows with each repeat), and slow start (a readmitted instance's weight ramps up from
// `minWeight` to 1 over `slowStartMs`, so it is not flooded the moment it is back).

export interface LivenessConfig {
  rise: number;
  fall: number;
  consecutiveFailures: number;
  /** the first ejection's length; the k-th in a row lasts k times as long, up to maxEjectionMs */
  baseEjectionMs: number;
  maxEjectionMs: number;
  slowStartMs: number;
  minWeight: number;
}

export const DEFAULT_LIVENESS: LivenessConfig = {
  rise: 2,
  fall: 3,
  consecutiveFailures: 5,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  slowStartMs: 10_000,
  minWeight: 0.1,
};

export class Liveness {
  /** what the active checks say (an instance the head lists is taken to answer) */
  checkedUp = true;
  private passes = 0;
  private fails = 0;
  /** failed calls in a row */
  private failures = 0;
  /** ejections in a row (reset once the instance has stayed in for maxEjectionMs) */
  ejections = 0;
  ejectedUntil = 0;
  /** when the active checks last brought it back */
  private readmittedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: LivenessConfig = DEFAULT_LIVENESS) {}

  available(now: number): boolean {
    return this.checkedUp && now >= this.ejectedUntil;
  }

  ejected(now: number): boolean {
    return now < this.ejectedUntil;
  }

  /** 1, or less while the instance ramps up after a readmission or an ejection's end. */
  weight(now: number): number {
    const since = Math.max(this.readmittedAt, this.ejectedUntil || Number.NEGATIVE_INFINITY);
    const ramp = this.config.slowStartMs;
    if (!(now - since < ramp)) return 1;
    return Math.max(this.config.minWeight, (now - since) / ramp);
  }

  checkPassed(now: number): void {
    this.fails = 0;
    if (this.checkedUp) return;
    if (++this.passes >= this.config.rise) {
      this.checkedUp = true;
      this.passes = 0;
      this.failures = 0;
      this.readmittedAt = now;
    }
  }

  checkFailed(): void {
    this.passes = 0;
    if (!this.checkedUp) return;
    if (++this.fails >= this.config.fall) {
      this.checkedUp = false;
      this.fails = 0;
    }
  }

  callSucceeded(): void {
    this.failures = 0;
  }

  /** A failed call (5xx or no answer); true when it ejects the instance. */
  callFailed(now: number): boolean {
    if (++this.failures < this.config.consecutiveFailures || this.ejected(now)) return false;
    if (this.ejectedUntil && now - this.ejectedUntil > this.config.maxEjectionMs) this.ejections = 0;
    this.ejections++;
    this.failures = 0;
    this.ejectedUntil =
      now + Math.min(this.config.baseEjectionMs * this.ejections, this.config.maxEjectionMs);
    return true;
  }
}
