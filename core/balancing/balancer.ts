// One service's choice of an instance for a call, as a pure function of its members' state and
// the time: the candidates are the members with a free slot that are live (all of them, live or
// not, when fewer than `panicThreshold` of them are: panic), those of the broker's own zone first;
// the service's policy picks among them.
import type { BalancePolicy } from '../protocol/service-view.js';
import { HashRing } from './hash-ring.js';
import type { Liveness } from './liveness.js';
import { leastOutstanding, powerOfTwo, roundRobin } from './policies.js';

export interface Member {
  readonly id: string;
  readonly zone?: string | undefined;
  /** the instance's CPUs: its weight */
  readonly ncpus: number;
  /** calls it takes at once */
  readonly capacity: number;
  inFlight: number;
  readonly liveness: Liveness;
}

export interface BalancerOptions {
  /** the broker's own zone */
  zone?: string | undefined;
  panicThreshold?: number;
  /** hash: no member above this many times the average in-flight count */
  boundFactor?: number;
  random?: () => number;
}

export class Balancer<M extends Member> {
  members: readonly M[] = [];
  private ring: HashRing | undefined;
  private mark = new Uint8Array(0);
  /** each member's weight at the last choice: its CPUs times its slow-start ramp */
  private weights = new Float64Array(0);
  private cursor = 0;
  private readonly panicThreshold: number;
  private readonly boundFactor: number;
  private readonly random: () => number;

  constructor(
    public policy: BalancePolicy,
    private readonly options: BalancerOptions = {},
  ) {
    this.panicThreshold = options.panicThreshold ?? 0.5;
    this.boundFactor = options.boundFactor ?? 1.25;
    this.random = options.random ?? Math.random;
  }

  setMembers(members: readonly M[], policy: BalancePolicy = this.policy): void {
    this.members = members;
    this.policy = policy;
    this.mark = new Uint8Array(members.length);
    this.weights = new Float64Array(members.length);
    this.ring = policy === 'hash' ? new HashRing(members.map((m) => m.id)) : undefined;
  }

  /** Fewer than panicThreshold of the members are live: every member is a candidate. */
  panic(now: number): boolean {
    let live = 0;
    for (const m of this.members) if (m.liveness.available(now)) live++;
    return live < this.panicThreshold * this.members.length;
  }

  /** Mark the candidates of the best tier (and weigh them); their count. */
  private markCandidates(now: number, tried: readonly M[] | undefined): number {
    const members = this.members;
    let live = 0;
    for (let i = 0; i < members.length; i++) if (members[i]!.liveness.available(now)) live++;
    const panic = live < this.panicThreshold * members.length;
    const zone = this.options.zone;
    let count = 0;
    for (let pass = zone === undefined ? 1 : 0; pass < 2 && count === 0; pass++) {
      for (let i = 0; i < members.length; i++) {
        const m = members[i]!;
        const ok =
          m.inFlight < m.capacity &&
          (panic || m.liveness.available(now)) &&
          (pass === 1 || m.zone === zone) &&
          (tried === undefined || !tried.includes(m));
        this.mark[i] = ok ? 1 : 0;
        if (!ok) continue;
        this.weights[i] = m.ncpus * m.liveness.weight(now);
        count++;
      }
    }
    return count;
  }

  /** The member to send a call to now, or undefined when none has a free slot. */
  choose(now: number, key?: string, tried?: readonly M[]): M | undefined {
    const count = this.markCandidates(now, tried);
    if (count === 0) return undefined;
    const members = this.members;
    let i: number;
    if (this.policy === 'round-robin') i = roundRobin(members.length, this.mark, this.cursor);
    else if (this.policy === 'p2c') i = powerOfTwo(members, this.mark, count, this.weights, this.random);
    else if (this.policy === 'hash' && key !== undefined && this.ring) i = this.hashPick(key);
    else i = leastOutstanding(members, this.mark, this.weights, this.cursor + 1);
    if (i >= 0) this.cursor = i;
    return members[i];
  }

  private hashPick(key: string): number {
    const { members, mark } = this;
    return this.ring!.pick(
      key,
      (j) => mark[j] === 1,
      (j) => members[j]!.inFlight,
      this.boundFactor,
    );
  }

  /** Whether some member not yet tried could take the call (live, or any in a panic). */
  hasUntried(now: number, tried: readonly M[]): boolean {
    const panic = this.panic(now);
    return this.members.some((m) => !tried.includes(m) && (panic || m.liveness.available(now)));
  }

  /** The best member to name for a redirect: like `choose`, but a full member still counts. */
  best(now: number, key?: string): M | undefined {
    return this.choose(now, key) ?? this.members.find((m) => m.liveness.available(now)) ?? this.members[0];
  }
}
