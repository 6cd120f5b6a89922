// The launcher's wire-up server (core/protocol/mpi-wireup.ts): one listener for the ranks and the
// node proxies. A connection's first line says who it is (`hello` with the run's key, or
// `proxy-hello`); a rank's requests go to the bookkeeping (wireup-state.ts), a proxy's to its
// node's link. A bad line is answered with `error`, a wrong key ends the connection.
import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { LauncherMessage, ProxyMessage, WireupMessage } from '../../core/protocol/mpi-wireup.js';
import { LineSplitter, line, parseProxyMessage, parseRankMessage } from './wire-lines.js';
import { type Effect, type RankRef, refKey, WireupState } from './wireup-state.js';

/** A node proxy's connection, once it has said who it is. */
export interface ProxyConn {
  send(m: LauncherMessage): void;
  close(): void;
}

export interface ServerHooks {
  /** a proxy for `node` has connected: its handlers, or why it is refused */
  proxy(node: string, conn: ProxyConn): { message(m: ProxyMessage): void; closed(): void } | string;
  abort(a: Extract<Effect, { abort: unknown }>['abort']): void;
  spawn(s: Extract<Effect, { spawn: unknown }>['spawn']): void;
}

export class WireupServer {
  readonly state: WireupState;
  private readonly ranks = new Map<string, Socket>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(
    key: string,
    private readonly hooks: ServerHooks,
  ) {
    this.state = new WireupState(key);
  }

  /** Listen on TCP (`host`, any port) or a Unix socket (`path`); the address ranks are given. */
  listen(at: { host: string } | { path: string }): Promise<string> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        if ('path' in at) {
          chmodSync(at.path, 0o600);
          return resolve(`unix:${at.path}`);
        }
        const a = server.address();
        resolve(`tcp:${at.host}:${typeof a === 'object' && a ? a.port : 0}`);
      };
      if ('path' in at) server.listen(at.path, done);
      else server.listen(0, at.host, done);
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    const lines = new LineSplitter();
    let handle: (l: string) => void = (l) => {
      handle = this.first(socket, l) ?? (() => {});
    };
    socket.on('data', (chunk: string) => {
      const got = lines.push(chunk);
      if (got === undefined) return socket.destroy();
      for (const l of got) handle(l);
    });
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** The first line: a rank's or a proxy's hello; the handler for the lines after it. */
  private first(socket: Socket, l: string): ((l: string) => void) | undefined {
    const refuse = (message: string) => {
      socket.end(line({ t: 'error', message }));
      return undefined;
    };
    const proxy = parseProxyMessage(l);
    if ('t' in proxy && proxy.t === 'proxy-hello') {
      if (!this.state.checkKey(proxy.key)) return refuse('wrong key');
      const conn: ProxyConn = { send: (m) => socket.write(line(m)), close: () => socket.end() };
      const h = this.hooks.proxy(proxy.node, conn);
      if (typeof h === 'string') return refuse(h);
      socket.on('close', () => h.closed());
      return (next) => {
        const m = parseProxyMessage(next);
        if ('error' in m) socket.write(line({ t: 'error', message: m.error }));
        else h.message(m);
      };
    }
    const m = parseRankMessage(l);
    if ('error' in m) return refuse(m.error);
    if (m.t !== 'hello') return refuse('the first message must be hello');
    const who = this.state.hello(m);
    if ('error' in who) return refuse(who.error);
    const key = refKey(who.ref);
    this.ranks.set(key, socket);
    socket.on('close', () => {
      if (this.ranks.get(key) === socket) this.ranks.delete(key);
    });
    socket.write(line({ t: 'welcome', size: who.size }));
    return (next) => this.request(who.ref, socket, next);
  }

  private request(from: RankRef, socket: Socket, l: string): void {
    const m = parseRankMessage(l);
    if ('error' in m) {
      socket.write(line({ t: 'error', ...(m.id !== undefined ? { id: m.id } : {}), message: m.error }));
      return;
    }
    if (m.t === 'hello') {
      socket.write(line({ t: 'error', message: 'hello was already said on this connection' }));
      return;
    }
    this.apply(this.state.handle(from, m));
  }

  /** Carry out the bookkeeping's effects. */
  apply(effects: Effect[]): void {
    for (const e of effects) {
      if ('send' in e) this.send(e.send, e.m);
      else if ('abort' in e) this.hooks.abort(e.abort);
      else this.hooks.spawn(e.spawn);
    }
  }

  send(to: RankRef, m: WireupMessage): void {
    const s = this.ranks.get(refKey(to));
    if (s && !s.destroyed) s.write(line(m));
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }
}
