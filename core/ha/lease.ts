// The majority lease: whether a head may act as primary. There are three voters, the two heads
// and the witness (head/ha/witness-server.ts); a head is primary only while another voter, the
// witness or the standby, has granted it a lease that has not run out. Pure logic over
// monotonic milliseconds (performance.now() on the head); the timers and links are the caller's.
//
// Why two heads never act at once:
// - The primary counts each grant from when it SENT the request (a renewal to the witness, a
//   heartbeat the standby acknowledged), not from when the answer came back. The grantor counts
//   from when it RECEIVED that request, which is later, so the primary's view of a lease always
//   ends before the grantor's does (monotonic clocks running at nearly the same rate: a drift of
//   a few parts per million over seconds is far below the margin of a round trip).
// - The standby grants by acknowledging a heartbeat, and promises in doing so not to ask the
//   witness for the lease until `takeoverAfterMs` (never less than the lease) has passed since the
//   last heartbeat it heard (`mayAcquire`): by then every standby grant the primary counts has run
//   out.
// - The witness refuses to hand the lease to another head while the holder's lease is valid in
//   its own view ('lease held'; a restarted witness gives the recorded holder a whole lease
//   first), so by the time it grants, every witness grant the old primary counts has run out too.
// - The witness also refuses a takeover when the primary last reported its standby out of sync
//   ('standby not in sync'). With synchronous replication the primary acknowledges a change only
//   once the standby has it; before it acknowledges one the standby lacks (the standby is gone,
//   or asynchronous mode) it must report `standbyInSync: false` and have that renewal granted. So
//   a takeover the witness allows never loses an acknowledged change.
// A new holder gets a new epoch from the witness; agents refuse a lower epoch, which fences an
// old primary that kept acting through a pause its own clock did not see.

export type LeaseSource = 'witness' | 'standby';

/** The lease's default length; heads renew it several times within it (every ~0.5 s). */
export const DEFAULT_LEASE_MS = 3000;

export class MajorityLease {
  /** each voter's grant: when it runs out in this head's view (monotonic ms) */
  private until = new Map<LeaseSource, number>();

  constructor(readonly leaseMs: number = DEFAULT_LEASE_MS) {
    if (!(leaseMs > 0)) throw new Error(`a lease wants a positive length, got ${leaseMs}`);
  }

  /**
   * `source` granted the lease for a request this head sent at `sentAtMs`; `leaseMs` is the
   * length the grantor said (never counted longer than this head's own). An older grant arriving
   * late never shortens a newer one.
   */
  granted(source: LeaseSource, sentAtMs: number, leaseMs: number = this.leaseMs): void {
    const end = sentAtMs + Math.min(leaseMs, this.leaseMs);
    if (end > (this.until.get(source) ?? Number.NEGATIVE_INFINITY)) this.until.set(source, end);
  }

  /**
   * Forget `source`'s grant (every grant when none is named): it refused, e.g. another head holds
   * the lease now or the epoch moved on. The head stops acting at once rather than at expiry.
   */
  revoke(source?: LeaseSource): void {
    if (source) this.until.delete(source);
    else this.until.clear();
  }

  /** Whether this head holds a majority lease at `nowMs`. */
  holds(nowMs: number): boolean {
    const end = this.expiresAt();
    return end !== undefined && nowMs < end;
  }

  /** When the lease runs out unless renewed (monotonic ms); undefined when nothing was granted. */
  expiresAt(): number | undefined {
    let end: number | undefined;
    for (const t of this.until.values()) if (end === undefined || t > end) end = t;
    return end;
  }

  /** The voters whose grants are still valid at `nowMs` (for `drover ha status`). */
  grantors(nowMs: number): LeaseSource[] {
    return [...this.until].filter(([, t]) => nowMs < t).map(([s]) => s);
  }

  /**
   * The standby's rule: it may ask the witness for the lease only once `takeoverAfterMs` (at
   * least the lease's length) has passed since it last heard the primary at
   * `lastHeardFromPrimaryMs`: every grant its acknowledgements gave the primary has run out.
   */
  mayAcquire(lastHeardFromPrimaryMs: number, nowMs: number, takeoverAfterMs: number): boolean {
    return nowMs - lastHeardFromPrimaryMs >= Math.max(takeoverAfterMs, this.leaseMs);
  }
}
