// The nodes as the head sees them: their links, whether each is up, their free resources
// (from the allocations table) and the PBS node records pbsnodes prints.
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { NodeRecord } from '../../core/record-types.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import type { Store } from '../db/store.js';
import type { NodeLink } from './node-link.js';

/** When messages to agents may leave the head (head/ha/ha-hooks.ts: after the standby has the
 * state they follow from, and only while this head holds the lease). */
export interface SendGate {
  /** nothing to wait for now */
  ready(): boolean;
  /** resolves once what is committed now may be acted upon */
  wait(): Promise<void>;
}

interface Liveness {
  up: boolean;
  reason?: string;
  since: number;
  /**
   * Since when the head has failed to reach the node (its link's first failure while down);
   * unset while the head's first attempt to reach it is still under way.
   */
  failingSince?: number;
}

export class Cluster {
  private links = new Map<string, NodeLink>();
  private liveness = new Map<string, Liveness>();
  private gate: SendGate | undefined;
  /** messages held until the gate opens, in the order they were sent */
  private held: [string, HeadMessage][] = [];
  private waiting = false;
  /** nodes whose agent refused this head's hello: the highest epoch it has seen */
  private refusals = new Map<string, number>();
  private livenessListeners: ((name: string) => void)[] = [];

  constructor(readonly store: Store) {}

  /** Call `listener` with a node's name when it comes up, goes down, or why it is down changes. */
  onLiveness(listener: (name: string) => void): void {
    this.livenessListeners.push(listener);
  }

  private told(name: string): void {
    for (const l of this.livenessListeners) l(name);
  }

  attach(link: NodeLink): void {
    this.links.set(link.name, link);
    this.liveness.set(link.name, { up: false, reason: 'connecting', since: Date.now() });
  }

  detach(name: string): void {
    this.links.delete(name);
    this.liveness.delete(name);
    this.refusals.delete(name);
  }

  markUp(name: string): void {
    this.liveness.set(name, { up: true, since: Date.now() });
    this.refusals.delete(name);
    this.told(name);
  }

  /** The node's agent has seen a newer head (`epoch`): nothing about the node is decided here. */
  refuse(name: string, epoch: number): void {
    this.refusals.set(name, epoch);
  }

  /** The epoch the node's agent refused this head for, until it welcomes this head again. */
  refusedFor(name: string): number | undefined {
    return this.refusals.get(name);
  }

  markDown(name: string, reason: string): void {
    const was = this.liveness.get(name);
    const stillDown = was !== undefined && !was.up;
    const failingSince = (stillDown ? was.failingSince : undefined) ?? Date.now();
    if (stillDown && was.reason?.startsWith(reason)) {
      this.liveness.set(name, { ...was, failingSince });
      return;
    }
    // a node that stays down keeps the time it went down
    this.liveness.set(name, { up: false, reason, since: stillDown ? was.since : Date.now(), failingSince });
    this.told(name);
  }

  isUp(name: string): boolean {
    return this.liveness.get(name)?.up ?? false;
  }

  /**
   * When the node's agent last said anything (epoch ms). Never heard since this head started:
   * when the head first failed to reach it, or undefined while its first attempt is under way
   * (the head's own start and connecting are no silence of the node's: a restarted head must
   * not fence nodes it has not tried to reach yet); 0 for a node without a link.
   */
  lastHeard(name: string): number | undefined {
    const heard = this.links.get(name)?.lastHeard ?? 0;
    if (heard > 0) return heard;
    const live = this.liveness.get(name);
    return live ? live.failingSince : 0;
  }

  downReason(name: string): string | undefined {
    const live = this.liveness.get(name);
    return live && !live.up ? live.reason : undefined;
  }

  /** Add to why a down node is down (pbsnodes shows it), keeping since when. */
  noteDown(name: string, note: string): void {
    const live = this.liveness.get(name);
    if (!live || live.up) return;
    const base = live.reason?.split('; fence command failed')[0] ?? 'down';
    this.liveness.set(name, { ...live, reason: `${base}; ${note}` });
    this.told(name);
  }

  /** Messages to agents wait behind `gate` from now on. */
  setGate(gate: SendGate): void {
    this.gate = gate;
  }

  /** Send to a node's agent now, or once the gate opens (true: sent or held). */
  send(node: string, message: HeadMessage): boolean {
    if (!this.gate || (this.held.length === 0 && this.gate.ready()))
      return this.links.get(node)?.send(message) ?? false;
    this.held.push([node, message]);
    if (!this.waiting) this.release();
    return true;
  }

  /** Wait for the gate, then send what was held when the wait began; again for the rest. */
  private release(): void {
    this.waiting = true;
    const n = this.held.length;
    this.gate!.wait().then(
      () => {
        for (const [node, m] of this.held.splice(0, n)) this.links.get(node)?.send(m);
        this.waiting = false;
        if (this.held.length > 0) this.release();
      },
      // this head stopped being primary: what it held is not its to send
      () => {
        this.held = [];
        this.waiting = false;
      },
    );
  }

  /** The host name jobs on other nodes use to reach `node` (PBS_NODEFILE lines). */
  hostOf(node: string): string {
    const host = this.store.nodes.get(node)?.host ?? node;
    // short host names, as PBS writes them; addresses stay whole
    return /^[\d.]+$/.test(host) || host.includes(':') ? host : host.split('.')[0]!;
  }

  schedNodes(): SchedNode[] {
    const use = this.store.allocations.use();
    return this.store.nodes.all().map((n) => {
      const u = use.get(n.name);
      return {
        name: n.name,
        ncpus: n.ncpus,
        mem: n.mem,
        ngpus: n.ngpus,
        labels: n.labels,
        usedNcpus: u?.ncpus ?? 0,
        usedMem: u?.mem ?? 0,
        usedGpus: u?.gpus ?? [],
        jobCount: u?.jobs ?? 0,
        exclusive: u?.exclusive ?? false,
        available: !n.offline && this.isUp(n.name),
      };
    });
  }

  records(): NodeRecord[] {
    const use = this.store.allocations.use();
    return this.store.nodes.all().map((n) => {
      const u = use.get(n.name);
      const live = this.liveness.get(n.name);
      const words: string[] = [];
      if (!live?.up) words.push('down');
      if (n.offline) words.push('offline');
      if (u && (u.ncpus >= n.ncpus || u.exclusive)) words.push(u.exclusive ? 'job-exclusive' : 'job-busy');
      // `jobid/cpu` for every CPU a job holds on the node, CPUs numbered from 0
      let cpu = 0;
      const jobs = this.store.allocations
        .onNode(n.name)
        .filter((s) => !s.suspended)
        .flatMap((s) => Array.from({ length: s.ncpus }, () => `${s.id}/${cpu++}`));
      const record: NodeRecord = {
        name: n.name,
        host: n.host,
        state: words.length > 0 ? words.join(',') : 'free',
        ncpus: n.ncpus,
        mem: n.mem,
        ngpus: n.ngpus,
        assignedNcpus: u?.ncpus ?? 0,
        assignedMem: u?.mem ?? 0,
        assignedNgpus: u?.gpus.length ?? 0,
        labels: n.labels,
        jobs,
        lastStateChange: Math.floor(Math.max(n.lastStateChange, live?.since ?? 0) / 1000),
      };
      const comment = n.comment ?? (live?.up ? undefined : live?.reason);
      if (comment) record.comment = comment;
      return record;
    });
  }

  stop(): void {
    for (const link of this.links.values()) link.stop();
  }
}
