// The rank's side of the wire-up protocol (core/protocol/mpi-wireup.ts): newline-delimited JSON
// with the launcher's server, requests paired with answers by `id`, and the server's own news
// (a peer lost, the run aborted).
import { connect, type Socket } from 'node:net';
import type { RankMessage, WireupMessage } from '../core/protocol/mpi-wireup.js';

type Answer = Extract<WireupMessage, { id: number }>;
type Pending = { resolve: (m: Answer) => void; reject: (e: Error) => void };
type Request = RankMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** `tcp:HOST:PORT` or `unix:/path` as net.connect options. */
export function parseWireupAddress(address: string): { path: string } | { host: string; port: number } {
  if (address.startsWith('unix:') && address.length > 5) return { path: address.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(address);
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536)
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  throw new Error(
    `drover/mpi: bad wire-up address ${JSON.stringify(address)} (want tcp:HOST:PORT or unix:/path)`,
  );
}

export interface WireupEvents {
  peerLost(universe: string, rank: number, reason: string): void;
  abort(code: number, message: string): void;
  /** the server's connection ended while the rank still needed it */
  gone(reason: string): void;
}

export class WireupClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';
  private closing = false;
  private welcome?: { resolve: (size: number) => void; reject: (e: Error) => void };

  private constructor(
    private readonly socket: Socket,
    private readonly events: WireupEvents,
  ) {}

  /** Connects and says hello; resolves with the universe's size from the server's welcome. */
  static connect(
    address: string,
    hello: { key: string; universe: string; rank: number },
    events: WireupEvents,
  ): Promise<{ client: WireupClient; size: number }> {
    const where = parseWireupAddress(address);
    return new Promise((resolve, reject) => {
      const socket = 'path' in where ? connect(where) : connect(where);
      const client = new WireupClient(socket, events);
      const fail = (e: Error) =>
        reject(new Error(`drover/mpi: cannot reach the wire-up server at ${address}: ${e.message}`));
      client.welcome = { resolve: (size) => resolve({ client, size }), reject: fail };
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => client.read(text));
      socket.on('error', (e) => client.ended(e.message));
      socket.on('close', () => client.ended('connection closed'));
      socket.on('connect', () => client.send({ t: 'hello', ...hello }));
    });
  }

  send(m: RankMessage): void {
    this.socket.write(`${JSON.stringify(m)}\n`);
  }

  /** Sends `m` and resolves once it has left the process (or the connection is gone). */
  sendFlushed(m: RankMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(`${JSON.stringify(m)}\n`, () => resolve());
    });
  }

  /** Sends a request and resolves with the answer carrying its id (an `error` answer rejects). */
  request(m: Request): Promise<Answer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.ref(); // the connection holds the process only while an answer is awaited
      this.send({ ...m, id } as RankMessage);
    });
  }

  /** Ends the connection once what was written is flushed. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private read(text: string): void {
    this.buffered += text;
    let nl = this.buffered.indexOf('\n');
    while (nl >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (line.trim()) this.dispatch(line);
      nl = this.buffered.indexOf('\n');
    }
  }

  private dispatch(line: string): void {
    let m: WireupMessage;
    try {
      m = JSON.parse(line) as WireupMessage;
    } catch {
      this.ended(`the wire-up server sent a line that is not JSON: ${line.slice(0, 80)}`);
      return;
    }
    if (m.t === 'welcome') {
      this.welcome?.resolve(m.size);
      this.welcome = undefined;
      if (this.pending.size === 0) this.socket.unref();
    } else if (m.t === 'peer-lost') this.events.peerLost(m.universe, m.rank, m.reason);
    else if (m.t === 'abort') this.events.abort(m.code, m.message);
    else if (m.t === 'error' && m.id === undefined) this.ended(`the wire-up server refused: ${m.message}`);
    else if ('id' in m && m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.socket.unref();
      if (m.t === 'error') p?.reject(new Error(`drover/mpi: the wire-up server refused: ${m.message}`));
      else p?.resolve(m);
    }
  }

  private ended(reason: string): void {
    if (this.welcome) {
      this.welcome.reject(new Error(reason));
      this.welcome = undefined;
      this.socket.destroy();
      return;
    }
    const error = new Error(`drover/mpi: lost the wire-up server: ${reason}`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    if (!this.closing) {
      this.closing = true;
      this.socket.destroy();
      this.events.gone(reason);
    }
  }
}
