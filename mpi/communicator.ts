// A communicator: a group of ranks with a private context pair (p2p even, collectives odd), so
// traffic on different communicators never matches. Point-to-point calls come from
// mpi/p2p.ts; collectives run the collectives module over a per-call channel
// (mpi/coll-channel.ts); split / dup / create agree on a fresh context with an allgather of
// each member's next free context id (the largest is free on every member).
import {
  allgatherValues,
  CollChannel,
  type CollectiveSide,
  type Collectives,
  collectives,
} from './coll-channel.js';
import { allgatherAny, alltoallAny, bcastAny, gatherAny, scatterAny, scattervAny } from './coll-values.js';
import type { TypedArray } from './collectives/typed-bytes.js';
import type { Engine } from './engine.js';
import type { InterComm } from './intercomm.js';
import { MpiUsageError } from './mpi-errors.js';
import { PointToPoint } from './p2p.js';
import type { Peer } from './rank-peer.js';
import type { Op } from './reduce-ops.js';

/** What a communicator needs from the running library beyond the engine. */
export interface Runtime {
  spawn(n: number, argv: string[]): Promise<InterComm>;
}

export class Communicator extends PointToPoint implements CollectiveSide {
  readonly rank: number;
  readonly size: number;
  readonly collContext: number;
  private seq = 0;

  constructor(
    override readonly engine: Engine,
    members: readonly Peer[],
    context: number,
    rank: number,
    private readonly runtime: Runtime,
  ) {
    super(engine, members, context, context, rank);
    this.rank = rank;
    this.size = members.length;
    this.collContext = context + 1;
    engine.register(context, members as Peer[]);
    engine.register(context + 1, members as Peer[]);
  }

  /** The members' ranks in their COMM_WORLD, in this communicator's rank order. */
  get group(): number[] {
    return this.members.map((p) => p.rank);
  }

  /** A fresh channel for one collective call; fails at once if a member is lost. */
  private channel(): CollChannel {
    if (this.freed) throw new MpiUsageError('the communicator was freed');
    const dead = this.engine.deadFor(this.collContext, 0);
    if (dead) throw dead;
    return new CollChannel(this, this.seq++);
  }

  private run<T>(f: (c: Collectives, ch: CollChannel) => Promise<unknown>): Promise<T> {
    try {
      const ch = this.channel(); // a lost member fails the call before anything else
      return f(collectives(), ch) as Promise<T>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  barrier(): Promise<void> {
    return this.run((c, ch) => c.barrier(ch));
  }
  /** The root's `data` (a typed array or any value) on every rank. */
  bcast<T>(data: T | undefined, root = 0): Promise<T> {
    return this.run((c, ch) => bcastAny(c, ch, data, root));
  }
  /** The result on `root`, undefined elsewhere. */
  reduce<T extends TypedArray>(data: T, op: Op, root = 0): Promise<T | undefined> {
    return this.run((c, ch) => c.reduce(ch, data, op, root));
  }
  /** The result on every rank: a new array, or `into` (same kind and length; `data` itself: in place). */
  allreduce<T extends TypedArray>(data: T, op: Op, into?: T): Promise<T> {
    return this.run((c, ch) => c.allreduce(ch, data, op, into));
  }
  scan<T extends TypedArray>(data: T, op: Op): Promise<T> {
    return this.run((c, ch) => c.scan(ch, data, op));
  }
  /** Every rank's `data` on `root`, by rank (undefined elsewhere); gatherv allows different lengths. */
  gather<T = unknown>(data: T, root = 0): Promise<T[] | undefined> {
    return this.run((c, ch) => gatherAny(c, ch, data, root, false));
  }
  gatherv<T = unknown>(data: T, root = 0): Promise<T[] | undefined> {
    return this.run((c, ch) => gatherAny(c, ch, data, root, true));
  }
  /** Chunk r of the root's `chunks` on rank r (others pass undefined). */
  scatter<T = unknown>(chunks: T[] | undefined, root = 0): Promise<T> {
    return this.run((c, ch) => scatterAny(c, ch, chunks, root));
  }
  /** The root's `data` (a typed array or an array) cut into `counts[r]` elements for rank r. */
  scatterv<T = unknown>(data: unknown, counts: readonly number[] | undefined, root = 0): Promise<T> {
    return this.run((c, ch) => scattervAny(c, ch, data, counts, root));
  }
  allgather<T = unknown>(data: T): Promise<T[]> {
    return this.run((c, ch) => allgatherAny(c, ch, data));
  }
  /** Rank r's chunks[s] becomes rank s's result[r]. */
  alltoall<T = unknown>(chunks: T[]): Promise<T[]> {
    return this.run((c, ch) => alltoallAny(c, ch, chunks));
  }

  /** A barrier of the library's own (finalize uses it; it needs no collectives module). */
  async agree<T>(value: T): Promise<T[]> {
    return allgatherValues(this.channel(), value);
  }

  /** Ranks with the same `color` form a new communicator, ordered by `key` then by rank here. */
  async split(color: number, key = this.rank): Promise<Communicator> {
    if (!Number.isInteger(color) || color < 0) throw new MpiUsageError(`split: bad color ${color}`);
    if (!Number.isFinite(key)) throw new MpiUsageError(`split: bad key ${key}`);
    const all = await this.agree([color, key, this.engine.nextContext]);
    const mine = all
      .map(([c, k], r) => ({ c, k, r }))
      .filter((x) => x.c === color)
      .sort((a, b) => a.k! - b.k! || a.r - b.r);
    return this.derive(
      all,
      mine.map((x) => x.r),
    )!;
  }

  /** A communicator with the same members and a new context. */
  async dup(): Promise<Communicator> {
    const all = await this.agree([0, 0, this.engine.nextContext]);
    return this.derive(
      all,
      this.members.map((_, r) => r),
    )!;
  }

  /**
   * A communicator of the given COMM_WORLD ranks (members of this one, in the new rank order);
   * collective over this communicator; undefined on the ranks left out.
   */
  async create(group: readonly number[]): Promise<Communicator | undefined> {
    const here = group.map((w) => this.members.findIndex((p) => p.rank === w));
    if (here.some((r) => r < 0) || new Set(group).size !== group.length)
      throw new MpiUsageError(
        `create: ${JSON.stringify(group)} is not a list of distinct ranks of this communicator`,
      );
    const all = await this.agree([0, 0, this.engine.nextContext]);
    return this.derive(all, here);
  }

  /** The communicator of `ranks` (of this one) on the largest context any member has free. */
  private derive(all: number[][], ranks: number[]): Communicator | undefined {
    const context = Math.max(...all.map((x) => x[2]!));
    this.engine.nextContext = context + 2;
    if (!ranks.includes(this.rank)) return undefined;
    const members = ranks.map((r) => this.members[r]!);
    return new Communicator(this.engine, members, context, ranks.indexOf(this.rank), this.runtime);
  }

  /** Frees the communicator: its contexts are forgotten, later calls on it fail. */
  free(): void {
    if (this.context === 0) throw new MpiUsageError('COMM_WORLD cannot be freed');
    if (this.freed) return;
    this.freed = true;
    this.engine.unregister(this.context);
    this.engine.unregister(this.collContext);
  }

  /** Starts `n` ranks of `command args…` as a new universe; its handle addresses them by rank. */
  spawn(n: number, command: string, args: string[] = []): Promise<InterComm> {
    if (!Number.isInteger(n) || n < 1) return Promise.reject(new MpiUsageError(`spawn: bad count ${n}`));
    return this.runtime.spawn(n, [command, ...args]);
  }
}
