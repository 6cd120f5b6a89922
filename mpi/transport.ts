// Connections between ranks: each rank listens on a Unix socket in its node's private directory
// (peers on the same node) and on TCP (peers on other nodes). A rank sends to a peer over the
// first connection between them it knows of: the one the peer opened to it (announced by its
// `hello` frame), else one it opens itself, lazily, on the first send; once chosen it stays, so
// one sender's messages keep their order. Two ranks connecting to each other at the same moment
// just end up with two connections, one used each way; every connection is read. `bye` on every
// connection announces a finalize. A `hello` carries the run's key (DROVER_MPI_KEY): a connection
// whose hello lacks it, or that sends anything else (or anything large) first, is closed unread. Connections are read into one reused buffer (net's `onread`):
// no allocation per read; what the reader hands on is copied out by whoever keeps it.
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { FrameReader, HEADER_BYTES, Kind, writeHeader } from './framing.js';
import { sameKey, shortHash } from './run-key.js';

export interface PeerId {
  universe: string;
  rank: number;
}

/** Where a rank listens, as published in the wire-up store. */
export interface ListenAddress {
  node: string;
  unix?: string;
  /** `host:port` */
  tcp?: string;
}

export interface TransportEvents {
  /** a peer opened a connection to this rank (`link.peer` names it) */
  hello(link: Link): void;
  frame(
    link: Link,
    kind: number,
    elementType: number,
    context: number,
    source: number,
    tag: number,
    payload: Uint8Array,
    /** `payload` is a view of the read buffer, overwritten by the next read: copy what you keep */
    transient: boolean,
  ): void;
  /** where to assemble a large payload (a matching receive's buffer), see FrameReader */
  sink(
    link: Link,
    kind: number,
    elementType: number,
    context: number,
    source: number,
    tag: number,
    length: number,
  ): Uint8Array | undefined;
  /** a connection to or from `peer` ended before the peer said bye */
  lost(peer: PeerId, reason: string, link: Link): void;
}

export class Link {
  peer?: PeerId;
  /** the peer has said bye: the connection ending is expected */
  bye = false;
  /** the receive the frame being read was matched to when its header arrived (engine's) */
  claimed?: object;
  private drainWaiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {}

  /** Writes a frame's buffers; `done` runs once they have left the process (or failed). */
  write(buffers: Buffer[], done?: (error?: Error | null) => void): void {
    const s = this.socket;
    if (buffers.length === 1) s.write(buffers[0]!, done);
    else {
      s.cork();
      for (let i = 0; i < buffers.length - 1; i++) s.write(buffers[i]!);
      s.write(buffers[buffers.length - 1]!, done);
      s.uncork();
    }
  }

  /** Resolves once the socket's queue is below its high-water mark again (or the connection is gone). */
  drain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
    });
  }

  drained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/** Every connection of the process is read into this buffer, one read at a time. */
const READ_BYTES = 4 << 20;
let readBuffer: Buffer | undefined;

interface Reading {
  /** `buffer` is asked for where each next read goes: the read buffer, or a payload's rest */
  onread: { buffer: () => Uint8Array; callback: (nread: number, buf: Uint8Array) => boolean };
  /** the link's frame reader, once adopted */
  reader?: FrameReader;
  push?: (buf: Uint8Array, nread: number) => void;
}

/** An accepted socket (not reading yet) as one reading through `onread`. */
function rehome(socket: Socket, onread: Reading['onread']): Socket {
  const old = socket as unknown as { _handle: { useUserBuffer?: unknown } | null };
  const handle = old._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') {
    socket.on('data', (chunk: Buffer) => onread.callback(chunk.length, chunk));
    socket.resume();
    return socket;
  }
  const moved = new Socket({ handle, onread, readable: true, writable: true } as object);
  old._handle = null;
  socket.destroy(); // only the old object: the server counts the connection as gone with it
  return moved;
}

function controlFrame(kind: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const b = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeHeader(b, 0, kind, 0, 0, 0, 0, body.length);
  body.copy(b, HEADER_BYTES);
  return b;
}

export class Transport {
  private readonly servers: Server[] = [];
  private readonly links = new Set<Link>();
  private unixPath?: string;
  private closing = false;

  constructor(
    /** `key`: the run's secret, which every connecting rank must present */
    private readonly self: PeerId & { node: string; key: string },
    private readonly events: TransportEvents,
  ) {}

  /** Listens on a Unix socket in `dir` and on TCP at `address` (`host` or `host:port`), as given. */
  async listen(dir: string | undefined, address: string | undefined): Promise<ListenAddress> {
    const out: ListenAddress = { node: this.self.node };
    if (dir) {
      const name = `${this.self.universe}.${this.self.rank}.sock`;
      this.unixPath = join(
        dir,
        name.length > 60 ? `${shortHash(this.self.universe)}.${this.self.rank}.sock` : name,
      );
      rmSync(this.unixPath, { force: true });
      await this.serve({ path: this.unixPath });
      out.unix = this.unixPath;
    }
    if (address || !dir) {
      const m = /^(.*?)(?::(\d+))?$/.exec(address ?? '127.0.0.1')!;
      const host = (m[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
      const port = await this.serve({ host, port: Number(m[2] ?? 0) });
      out.tcp = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    }
    return out;
  }

  private serve(where: { path: string } | { host: string; port: number }): Promise<number> {
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const reading = this.reading();
      this.adopt(rehome(socket, reading.onread), reading);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', (e) =>
        reject(new Error(`drover/mpi: cannot listen on ${JSON.stringify(where)}: ${e.message}`)),
      );
      server.unref(); // see mpi/keep-alive.ts
      server.listen(where, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  /** Opens the data connection to `peer` (writes may start at once: the socket queues them). */
  open(peer: PeerId, address: ListenAddress): Link {
    const sameNode = address.node === this.self.node && address.unix;
    let socket: Socket;
    const reading = this.reading();
    if (sameNode) socket = connect({ path: address.unix!, onread: reading.onread });
    else if (address.tcp) {
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(address.tcp)!;
      socket = connect({ host: m[1]!, port: Number(m[2]), noDelay: true, onread: reading.onread });
    } else
      throw new Error(`drover/mpi: rank ${peer.rank} has no address reachable from node ${this.self.node}`);
    const link = this.adopt(socket, reading);
    link.peer = peer;
    socket.write(controlFrame(Kind.hello, `${this.self.universe}\n${this.self.rank}\n${this.self.key}`));
    return link;
  }

  /** How a connection is read: into the shared buffer, each read handed to the link's frame reader. */
  private reading(): Reading {
    readBuffer ??= Buffer.allocUnsafeSlow(READ_BYTES);
    const shared = readBuffer;
    const r: Reading = {
      onread: {
        buffer: () => (r.reader ? r.reader.next(shared) : shared),
        callback: (n, buf) => {
          r.push!(buf, n);
          return true;
        },
      },
    };
    return r;
  }

  private adopt(socket: Socket, reading: Reading): Link {
    socket.unref(); // see mpi/keep-alive.ts; writes under way still hold the process
    const link = new Link(socket);
    this.links.add(link);
    const reader = new FrameReader(
      (kind, elementType, context, source, tag, payload, transient) => {
        if (kind === Kind.hello) {
          const [universe, rank, key] = Buffer.from(payload).toString().split('\n');
          if (link.peer || !sameKey(key ?? '', this.self.key))
            throw new Error("a hello without the run's key");
          link.peer = { universe: universe!, rank: Number(rank) };
          this.events.hello(link);
        } else if (kind === Kind.bye) link.bye = true;
        else if (link.peer)
          this.events.frame(link, kind, elementType, context, source, tag, payload, transient);
        else throw new Error('a data frame before hello');
      },
      (kind, elementType, context, source, tag, length) => {
        if (!link.peer) throw new Error('a large frame before hello');
        return kind <= Kind.value
          ? this.events.sink(link, kind, elementType, context, source, tag, length)
          : undefined;
      },
    );
    reading.reader = reader;
    reading.push = (buf, n) => {
      try {
        reader.push(buf, n);
      } catch (e) {
        socket.destroy(e as Error);
      }
    };
    socket.on('drain', () => link.drained());
    let reason = 'connection closed';
    socket.on('error', (e) => {
      reason = e.message;
    });
    socket.on('close', () => {
      this.links.delete(link);
      link.drained();
      if (link.peer && !link.bye && !this.closing) this.events.lost(link.peer, reason, link);
    });
    return link;
  }

  /** Says bye on every connection, ends them and stops listening; waits at most `ms` for peers. */
  async close(ms = 5000): Promise<void> {
    this.closing = true;
    const bye = controlFrame(Kind.bye, '');
    const closed = [...this.links].map(
      (l) =>
        new Promise<void>((resolve) => {
          if (l.socket.destroyed) return resolve();
          l.socket.once('close', () => resolve());
          l.socket.end(bye);
        }),
    );
    const timer = new Promise<void>((r) => setTimeout(r, ms).unref());
    await Promise.race([Promise.all(closed), timer]);
    for (const l of this.links) l.socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    if (this.unixPath) rmSync(this.unixPath, { force: true });
  }

  /** Every open connection to or from `peer`. */
  linksOf(peer: PeerId): Link[] {
    return [...this.links].filter((l) => l.peer?.universe === peer.universe && l.peer.rank === peer.rank);
  }

  /** Stops reading from a connection (back-pressure) or starts again. */
  pause(link: Link): void {
    link.socket.pause();
  }

  resume(link: Link): void {
    link.socket.resume();
  }
}
