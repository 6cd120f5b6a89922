// The wire-up server's bookkeeping, free of sockets and processes (core/protocol/mpi-wireup.ts):
// universes (the run's ranks, and each spawned set) with their key-value store and fence, who
// said hello, finalized or exited, and the named groups. Every call answers with effects: messages
// to send to ranks, or an abort or a spawn for the launcher to carry out.
import { timingSafeEqual } from 'node:crypto';
import type { GroupMember, RankMessage, WireupMessage } from '../../core/protocol/mpi-wireup.js';

export interface RankRef {
  universe: string;
  rank: number;
}

export const refKey = (r: RankRef): string => `${r.universe}/${r.rank}`;

export type Effect =
  | { send: RankRef; m: WireupMessage }
  | { abort: { code: number; message: string; from: RankRef } }
  | { spawn: { id: number; n: number; argv: string[]; from: RankRef } };

export interface Universe {
  id: string;
  /** 1 for the run's own ranks, 2, 3, … for spawned sets (as Open MPI's job numbers) */
  index: number;
  size: number;
  parent?: string;
  store: Map<string, string>;
  /** ranks waiting in a fence, with their request ids */
  fencing: Map<number, number>;
  fences: number;
  connected: Set<number>;
  finalized: Set<number>;
  exited: Set<number>;
  /** who asked for this universe, answered `spawned` after its first fence */
  spawner?: { to: RankRef; id: number };
}

type Request = Exclude<RankMessage, { t: 'hello' }>;

export class WireupState {
  readonly universes = new Map<string, Universe>();
  private readonly groups = new Map<string, GroupMember[]>();

  constructor(private readonly key: string) {}

  addUniverse(id: string, size: number, parent?: string, spawner?: Universe['spawner']): Universe {
    const u: Universe = {
      id,
      index: this.universes.size + 1,
      size,
      ...(parent !== undefined ? { parent } : {}),
      ...(spawner ? { spawner } : {}),
      store: new Map(),
      fencing: new Map(),
      fences: 0,
      connected: new Set(),
      finalized: new Set(),
      exited: new Set(),
    };
    this.universes.set(id, u);
    return u;
  }

  /** Whether `given` is the run's key (compared in constant time). */
  checkKey(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.key);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A rank's first message: who it is, or why it is refused. */
  hello(m: Extract<RankMessage, { t: 'hello' }>): { ref: RankRef; size: number } | { error: string } {
    if (!this.checkKey(m.key)) return { error: 'wrong key' };
    const u = this.universes.get(m.universe);
    if (!u) return { error: `no universe ${m.universe} in this run` };
    if (m.rank >= u.size) return { error: `rank ${m.rank} is out of range (size ${u.size})` };
    if (u.connected.has(m.rank) || u.exited.has(m.rank))
      return { error: `rank ${m.rank} has already said hello` };
    u.connected.add(m.rank);
    return { ref: { universe: u.id, rank: m.rank }, size: u.size };
  }

  /** One request of a rank that has said hello. */
  handle(from: RankRef, m: Request): Effect[] {
    const u = this.universes.get(from.universe)!;
    const answer = (a: WireupMessage): Effect[] => [{ send: from, m: a }];
    switch (m.t) {
      case 'put':
        u.store.set(m.key, m.value);
        return [];
      case 'fence':
        u.fencing.set(from.rank, m.id);
        return this.fenceDone(u);
      case 'get': {
        const other = this.universes.get(m.universe ?? u.id);
        if (!other) return answer({ t: 'error', id: m.id, message: `no universe ${m.universe}` });
        return answer({ t: 'value', id: m.id, value: other.store.get(m.key) ?? null });
      }
      case 'abort':
        return [{ abort: { code: m.code, message: m.message, from } }];
      case 'finalize':
        u.finalized.add(from.rank);
        this.leaveAll(from);
        return this.fenceDone(u);
      case 'spawn':
        return [{ spawn: { id: m.id, n: m.n, argv: m.argv, from } }];
      case 'group':
        return answer({ t: 'group', id: m.id, members: this.group(from, m.op, m.name) });
    }
  }

  private group(from: RankRef, op: 'join' | 'leave' | 'members', name: string): GroupMember[] {
    const members = this.groups.get(name) ?? [];
    const at = members.findIndex((g) => g.universe === from.universe && g.rank === from.rank);
    if (op === 'join' && at < 0) members.push({ universe: from.universe, rank: from.rank });
    if (op === 'leave' && at >= 0) members.splice(at, 1);
    if (members.length > 0) this.groups.set(name, members);
    else this.groups.delete(name);
    return members.map((g) => ({ ...g }));
  }

  private leaveAll(ref: RankRef): void {
    for (const name of [...this.groups.keys()]) this.group(ref, 'leave', name);
  }

  /** Answer a fence once every rank still expected in it (not finalized, not exited) is in. */
  private fenceDone(u: Universe): Effect[] {
    const expected = [...Array(u.size).keys()].filter((r) => !u.finalized.has(r) && !u.exited.has(r));
    if (u.fencing.size === 0 || !expected.every((r) => u.fencing.has(r))) return [];
    const store = Object.fromEntries(u.store);
    const out: Effect[] = [...u.fencing].map(([rank, id]) => ({
      send: { universe: u.id, rank },
      m: { t: 'fenced', id, store },
    }));
    u.fencing.clear();
    u.fences += 1;
    if (u.fences === 1 && u.spawner) {
      out.push({ send: u.spawner.to, m: { t: 'spawned', id: u.spawner.id, universe: u.id, size: u.size } });
      u.spawner = undefined;
    }
    return out;
  }

  /** Whether the rank's exit now is an error: it said hello, or failed, and has not finalized. */
  isLoss(ref: RankRef, failed: boolean): boolean {
    const u = this.universes.get(ref.universe);
    if (!u || u.finalized.has(ref.rank) || u.exited.has(ref.rank)) return false;
    return failed || u.connected.has(ref.rank);
  }

  /** The rank's process has ended. */
  exited(ref: RankRef): Effect[] {
    const u = this.universes.get(ref.universe);
    if (!u) return [];
    u.exited.add(ref.rank);
    u.fencing.delete(ref.rank);
    this.leaveAll(ref);
    if (u.spawner && u.exited.size === u.size) {
      const { to, id } = u.spawner;
      u.spawner = undefined;
      return [
        { send: to, m: { t: 'error', id, message: 'the spawned ranks ended before their first fence' } },
      ];
    }
    return this.fenceDone(u);
  }

  /** `m` to every rank that has said hello and not exited, but `except`. */
  everyone(m: WireupMessage, except?: RankRef): Effect[] {
    const out: Effect[] = [];
    for (const u of this.universes.values())
      for (const rank of u.connected)
        if (!u.exited.has(rank) && !(except && except.universe === u.id && except.rank === rank))
          out.push({ send: { universe: u.id, rank }, m });
    return out;
  }

  /** Every started rank of every universe has ended. */
  allExited(): boolean {
    return [...this.universes.values()].every((u) => u.exited.size === u.size);
  }
}
