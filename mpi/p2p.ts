// Point-to-point calls, shared by communicators and intercommunicator handles: send / recv,
// isend / irecv, sendrecv, probe / iprobe. Every call is asynchronous; arguments are checked
// before anything is sent.
import type { Received } from './delivery.js';
import type { Engine } from './engine.js';
import { ANY_SOURCE, ANY_TAG, type Status } from './matching.js';
import { MpiUsageError } from './mpi-errors.js';
import type { Peer } from './rank-peer.js';
import { Request } from './requests.js';

export interface Message<T = unknown> {
  data: T;
  status: Status;
}

const MAX_TAG = 0x7fff_ffff;

export abstract class PointToPoint {
  protected freed = false;

  constructor(
    protected readonly engine: Engine,
    /** the ranks messages go to and come from (this communicator's, or the remote side's) */
    readonly members: readonly Peer[],
    /** the context receives match on */
    protected readonly context: number,
    /** the context written on sent frames (differs for intercommunicators) */
    protected readonly wireContext: number,
    /** this rank's number as the receivers know it */
    protected readonly source: number,
  ) {}

  /** Sends `data` (typed arrays and Buffers as bytes, other values serialized) to rank `dest`. */
  send(data: unknown, dest: number, tag = 0): Promise<void> {
    const to = this.members[dest];
    const bad = this.badCall(to === undefined, dest, tag, false);
    if (bad) return Promise.reject(bad);
    return this.engine.send(to!, this.wireContext, this.source, tag, data);
  }

  /** The next message matching (source, tag); with `into`, its bytes are copied there. */
  recv<T = unknown>(source = ANY_SOURCE, tag = ANY_TAG, into?: ArrayBufferView): Promise<Message<T>> {
    const bad = this.badCall(!this.isSource(source), source, tag, true);
    if (bad) return Promise.reject(bad);
    return this.engine.recv(this.context, source, tag, into) as Promise<Received> as Promise<Message<T>>;
  }

  isend(data: unknown, dest: number, tag = 0): Request<void> {
    return new Request(this.send(data, dest, tag));
  }

  irecv<T = unknown>(source = ANY_SOURCE, tag = ANY_TAG, into?: ArrayBufferView): Request<Message<T>> {
    return new Request(this.recv<T>(source, tag, into));
  }

  /** Sends to `dest` and receives from `source` at once (the receive is posted first). */
  async sendrecv<T = unknown>(
    data: unknown,
    dest: number,
    sendTag: number,
    source = ANY_SOURCE,
    recvTag = ANY_TAG,
    into?: ArrayBufferView,
  ): Promise<Message<T>> {
    const received = this.recv<T>(source, recvTag, into);
    const sent = this.send(data, dest, sendTag);
    received.catch(() => {}); // reported below, after the send settles
    await sent;
    return received;
  }

  /** Waits for a message matching (source, tag) without receiving it. */
  probe(source = ANY_SOURCE, tag = ANY_TAG): Promise<Status> {
    const bad = this.badCall(!this.isSource(source), source, tag, true);
    if (bad) return Promise.reject(bad);
    return this.engine.probe(this.context, source, tag);
  }

  /** A matching message's status if one has arrived, else undefined; receives nothing. */
  iprobe(source = ANY_SOURCE, tag = ANY_TAG): Status | undefined {
    const bad = this.badCall(!this.isSource(source), source, tag, true);
    if (bad) throw bad;
    return this.engine.iprobe(this.context, source, tag);
  }

  private isSource(source: number): boolean {
    return source === ANY_SOURCE || (Number.isInteger(source) && source >= 0 && source < this.members.length);
  }

  private badCall(badRank: boolean, rank: number, tag: number, wildcard: boolean): Error | undefined {
    if (this.freed) return new MpiUsageError('the communicator was freed');
    if (badRank) return new MpiUsageError(`no rank ${rank} here: ranks are 0..${this.members.length - 1}`);
    if (!(Number.isInteger(tag) && tag >= 0 && tag <= MAX_TAG) && !(wildcard && tag === ANY_TAG))
      return new MpiUsageError(`bad tag ${tag}: tags are integers 0..${MAX_TAG}`);
    return undefined;
  }
}
