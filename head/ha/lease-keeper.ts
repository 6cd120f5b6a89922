// The lease a primary holds (core/ha/lease.ts) kept up to date: grants from the witness
// (acquire, renew) and from the standby (answered heartbeats), each counted from when it was
// asked, and those waiting for the lease to be held again after a stalled event loop let it lapse.
import type { Logger } from 'pino';
import { MajorityLease } from '../../core/ha/lease.js';
import type { GrantedReply, WitnessReply } from '../../core/protocol/ha-witness.js';
import type { HaOptions } from '../head-options.js';
import { WitnessClient } from './witness-client.js';

export class LeaseKeeper {
  private readonly lease: MajorityLease;
  private readonly witness: WitnessClient;
  private witnessAt: number | undefined;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** what the witness was last told of the standby */
  reportedInSync = false;

  constructor(
    private readonly ha: HaOptions,
    private readonly log: Logger,
  ) {
    this.lease = new MajorityLease(ha.leaseMs);
    this.witness = new WitnessClient(ha.witness, ha.key);
  }

  holds(): boolean {
    return this.lease.holds(performance.now());
  }

  /** Ask the witness for the lease (a head starting, or a standby taking over). */
  async acquire(epoch: number): Promise<WitnessReply | undefined> {
    const sentAt = performance.now();
    const r = await this.witness.request({ t: 'acquire', head: this.ha.listen, epoch }, 2000);
    if (r?.t === 'granted') this.granted(sentAt, r);
    return r;
  }

  /** Renew the lease of `epoch`, saying whether the standby has every change. */
  async renew(epoch: number, standbyInSync: boolean, timeoutMs: number): Promise<WitnessReply | undefined> {
    const sentAt = performance.now();
    const r = await this.witness.request(
      { t: 'renew', head: this.ha.listen, epoch, standbyInSync },
      timeoutMs,
    );
    if (r?.t === 'granted' && r.epoch === epoch) this.granted(sentAt, r);
    else if (!r) this.log.debug({ problem: this.witness.lastProblem }, 'no renewal from the witness');
    return r;
  }

  /** Give the lease up (a planned switchover). */
  async release(epoch: number): Promise<void> {
    await this.witness.request({ t: 'release', head: this.ha.listen, epoch }, 2000);
  }

  /** The standby answered a heartbeat sent at `sentAt`. */
  pong(sentAt: number): void {
    this.lease.granted('standby', sentAt);
    this.wake();
  }

  /** Resolves once the lease is held again; rejects when dropWaiters() is called first. */
  whenHeld(): Promise<void> {
    if (this.holds()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** This head is no longer primary: whatever waited for the lease will not get it. */
  dropWaiters(): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error('not primary'));
  }

  /** When (epoch ms) the lease ran out, by this head's clock. */
  endedAt(): number {
    const expires = this.lease.expiresAt() ?? performance.now();
    return Math.round(Date.now() - (performance.now() - expires));
  }

  /** Milliseconds since the witness last granted or renewed (null: never). */
  witnessAgoMs(): number | null {
    return this.witnessAt === undefined ? null : Math.round(performance.now() - this.witnessAt);
  }

  private granted(sentAt: number, r: GrantedReply): void {
    this.lease.granted('witness', sentAt, r.leaseMs);
    this.witnessAt = performance.now();
    this.wake();
  }

  private wake(): void {
    if (!this.holds()) return;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
