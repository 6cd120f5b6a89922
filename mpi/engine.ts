// The progress engine of one rank: it sends frames over the transport, feeds arriving frames to
// the matching queues (mpi/matching.ts), completes receives and probes, holds back-pressure
// (reading from a peer stops while unexpected messages exceed the budget, and starts again as
// receives drain them), and turns a lost peer into PeerLostError for every call involving it.
import { copied, copiesOut, type Message, type Received, received, Wait } from './delivery.js';
import { countOf, encodeFrame, Kind, outgoing } from './framing.js';
import { KeepAlive } from './keep-alive.js';
import { ANY_SOURCE, MatchQueues, type Status, statusOf } from './matching.js';
import { MpiUsageError, PeerLostError } from './mpi-errors.js';
import { ProbeWaits } from './probe-waits.js';
import { Peer } from './rank-peer.js';
import { type Link, type ListenAddress, Transport } from './transport.js';

/** The wire context of intercommunicator traffic; the receiver maps it by the sender's universe. */
export const INTER_CONTEXT = 0xffff_ffff;
const INTER_BASE = 0x8000_0000;

const DONE = Promise.resolve();

export class Engine {
  readonly transport: Transport;
  readonly self: Peer;
  private readonly queues = new MatchQueues<Message, Wait>();
  private readonly peers = new Map<string, Peer>();
  private readonly members = new Map<number, Peer[]>();
  private readonly inter = new Map<string, number>();
  private readonly probes = new ProbeWaits();
  private readonly paused = new Set<Link>();
  /** holds the process while a receive, a probe or finalize waits (mpi/keep-alive.ts) */
  readonly keep = new KeepAlive();
  /** the next free context pair (p2p even, collective odd); COMM_WORLD has 0 and 1 */
  nextContext = 2;

  constructor(
    universe: string,
    rank: number,
    node: string,
    /** the run's key, presented to and required from every connecting rank */
    key: string,
    private readonly budget: number,
    private readonly lookup: (peer: Peer) => Promise<ListenAddress>,
  ) {
    this.self = this.peer(universe, rank);
    this.transport = new Transport(
      { universe, rank, node, key },
      {
        frame: (link, kind, elementType, context, source, tag, payload, transient) => {
          if (context === INTER_CONTEXT) context = this.interContext(link.peer!.universe);
          const count = countOf(kind, elementType, payload.length);
          const m = { context, source, tag, bytes: payload.length, count, kind, elementType, payload, link };
          const w = link.claimed as Wait | undefined;
          if (w) link.claimed = undefined;
          if (w || !transient) this.complete(w, m);
          else this.arriveTransient(m);
        },
        hello: (link) => {
          const peer = this.peer(link.peer!.universe, link.peer!.rank);
          peer.inbound ??= link;
        },
        sink: (link, kind, _elementType, context, source, tag, length) => {
          if (context === INTER_CONTEXT) context = this.interContext(link.peer!.universe);
          const w = this.queues.claim({ context, source, tag });
          link.claimed = w;
          const into = w?.into;
          if (!into || kind === Kind.value || into.byteLength < length) return undefined;
          return new Uint8Array(into.buffer, into.byteOffset, length);
        },
        lost: (p, reason, link) => {
          const peer = this.peer(p.universe, p.rank);
          (link.claimed as Wait | undefined)?.reject(new PeerLostError(p.rank, reason, this.foreign(peer)));
          link.claimed = undefined;
          this.peerLost(peer, reason);
        },
      },
    );
  }

  peer(universe: string, rank: number): Peer {
    const key = `${universe}\n${rank}`;
    let p = this.peers.get(key);
    if (!p) {
      p = new Peer(universe, rank);
      this.peers.set(key, p);
    }
    return p;
  }

  /** Declares who a context's ranks are (index = rank in the communicator). */
  register(context: number, members: Peer[]): void {
    this.members.set(context, members);
  }

  /** Forgets a context; receives still waiting on it fail. */
  unregister(context: number): void {
    this.members.delete(context);
    for (const w of this.queues.drop(context)) w.reject(new MpiUsageError('the communicator was freed'));
  }

  /** The local context for intercommunicator traffic with `universe`. */
  interContext(universe: string): number {
    let c = this.inter.get(universe);
    if (c === undefined) {
      c = INTER_BASE + this.inter.size;
      this.inter.set(universe, c);
    }
    return c;
  }

  send(to: Peer, context: number, source: number, tag: number, data: unknown): Promise<void> {
    if (to === this.self) {
      const out = outgoing(data);
      const payload = Buffer.from(out.bytes); // the sender may reuse its buffer at once
      this.arrive({
        context,
        source,
        tag,
        bytes: payload.length,
        count: out.count,
        kind: out.kind,
        elementType: out.elementType,
        payload,
      });
      return DONE;
    }
    if (to.lost) return Promise.reject(new PeerLostError(to.rank, to.lost, this.foreign(to)));
    const frame = encodeFrame(outgoing(data), context, source, tag);
    const link = to.link ?? this.open(to);
    if (!link) return new Promise((done, fail) => to.backlog!.push({ frame, done, fail }));
    if (frame.length === 1) {
      // the payload was copied: the caller may reuse its buffer; wait only while the socket is full
      link.write(frame);
      return link.socket.writableNeedDrain ? link.drain().then(() => this.check(to)) : DONE;
    }
    return new Promise((done, fail) => this.writeLarge(to, link, frame, done, fail));
  }

  /** A frame over the caller's own memory: complete once the socket has written it. */
  private writeLarge(
    to: Peer,
    link: Link,
    frame: Buffer[],
    done: () => void,
    fail: (e: Error) => void,
  ): void {
    link.write(frame, (error) => {
      if (error || to.lost) fail(new PeerLostError(to.rank, to.lost ?? error!.message, this.foreign(to)));
      else done();
    });
  }

  private check(to: Peer): void {
    if (to.lost) throw new PeerLostError(to.rank, to.lost, this.foreign(to));
  }

  /** The peer's connection, opened now when its address is known, else looked up (then undefined). */
  private open(to: Peer): Link | undefined {
    if (to.inbound && !to.backlog) {
      to.link = to.inbound;
      return to.link;
    }
    if (to.address) {
      to.link = this.transport.open(to, to.address);
      return to.link;
    }
    if (to.backlog) return undefined;
    to.backlog = [];
    this.lookup(to).then(
      (address) => {
        to.address = address;
        if (to.lost) return;
        const link = this.transport.open(to, address);
        for (const b of to.backlog!) this.writeLarge(to, link, b.frame, b.done, b.fail);
        to.link = link;
        to.backlog = undefined;
      },
      (e: Error) => this.peerLost(to, `its address could not be found: ${e.message}`),
    );
    return undefined;
  }

  recv(context: number, source: number, tag: number, into?: ArrayBufferView, raw = false): Promise<Received> {
    const w = new Wait(context, source, tag, into, raw);
    const m = this.queues.take(w);
    if (m) {
      this.drained();
      try {
        return Promise.resolve(received(m, w.into, w.raw));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const dead = this.deadFor(context, source);
    if (dead) return Promise.reject(dead);
    return new Promise((resolve, reject) => {
      this.keep.hold();
      w.resolve = (r) => {
        this.keep.release();
        resolve(r);
      };
      w.reject = (e) => {
        this.keep.release();
        reject(e);
      };
      this.queues.post(w);
    });
  }

  iprobe(context: number, source: number, tag: number): Status | undefined {
    const m = this.queues.probe({ context, source, tag });
    return m && statusOf(m);
  }

  probe(context: number, source: number, tag: number): Promise<Status> {
    const s = this.iprobe(context, source, tag);
    if (s) return Promise.resolve(s);
    const dead = this.deadFor(context, source);
    if (dead) return Promise.reject(dead);
    this.keep.hold();
    return this.probes.wait({ context, source, tag }).finally(() => this.keep.release());
  }

  /** Fails with PeerLostError when a call on `context` from `source` could never complete. */
  deadFor(context: number, source: number): Error | undefined {
    const group = this.members.get(context);
    if (!group) return new MpiUsageError('the communicator was freed');
    const collective = context < INTER_BASE && context % 2 === 1;
    const suspects = collective || source === ANY_SOURCE ? group : [group[source]];
    for (const p of suspects) {
      if (p === undefined) return new MpiUsageError(`rank ${source} is not in the communicator`);
      if (p.lost) return new PeerLostError(p.rank, p.lost, this.foreign(p));
    }
    return undefined;
  }

  peerLost(p: Peer, reason: string): void {
    if (p.lost || p === this.self) return;
    p.lost = reason;
    for (const link of this.transport.linksOf(p)) {
      // a receive matched by a frame still arriving from the peer
      (link.claimed as Wait | undefined)?.reject(new PeerLostError(p.rank, reason, this.foreign(p)));
      link.claimed = undefined;
      link.socket.destroy();
    }
    for (const b of p.backlog ?? []) b.fail(new PeerLostError(p.rank, reason, this.foreign(p)));
    p.backlog = undefined;
    for (const w of this.queues.waiting()) {
      const e = this.deadFor(w.context, w.source);
      if (e && this.queues.withdraw(w)) w.reject(e);
    }
    this.probes.fail((q) => this.deadFor(q.context, q.source));
  }

  /** Completes `w` with `m` when a receive claimed it, else offers `m` to the queues. */
  private complete(w: Wait | undefined, m: Message): void {
    if (w) {
      try {
        w.resolve(received(m, w.into, w.raw));
      } catch (e) {
        w.reject(e as Error);
      }
    } else this.arrive(m);
  }

  /** A payload in the read buffer: a receive copying it out takes it as it is, else it is copied. */
  private arriveTransient(m: Message): void {
    const w = this.queues.claim(m);
    if (!w || !copiesOut(w, m)) m.payload = copied(m.payload);
    if (w) this.complete(w, m);
    else this.arrive(m);
  }

  private arrive(m: Message): void {
    const w = this.queues.arrive(m);
    if (w) {
      this.complete(w, m);
      return;
    }
    this.probes.arrived(m);
    if (m.link && this.queues.unexpectedBytes > this.budget && !this.paused.has(m.link)) {
      this.paused.add(m.link);
      this.transport.pause(m.link);
    }
  }

  private drained(): void {
    if (this.paused.size === 0 || this.queues.unexpectedBytes > this.budget) return;
    for (const link of this.paused) this.transport.resume(link);
    this.paused.clear();
  }

  private foreign(p: Peer): string | undefined {
    return p.universe === this.self.universe ? undefined : p.universe;
  }
}
