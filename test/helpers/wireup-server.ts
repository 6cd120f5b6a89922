// A small wire-up server for the library's multi-process tests (test/mpi/): the server side of
// core/protocol/mpi-wireup.ts (hello, put, fence, get, abort, finalize, spawn, group, and
// peer-lost when a rank exits before its finalize) over a Unix socket, and the rank processes
// it starts with their MPI_ENV variables. The launcher's own server lives in cli/; this one
// keeps the library's tests independent of it. Every process it starts is stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type GroupMember,
  MPI_ENV,
  type RankMessage,
  type WireupMessage,
} from '../../core/protocol/mpi-wireup.js';

export interface RankProcess {
  universe: string;
  rank: number;
  child: ChildProcess;
  stdout: string;
  stderr: string;
  finalized: boolean;
  exited: Promise<{ code: number | null; signal: string | null }>;
  socket?: Socket;
}

interface Universe {
  size: number;
  store: Record<string, string>;
  fence: { socket: Socket; id: number }[];
  argv: string[];
  parent?: string;
}

export interface LaunchOptions {
  /** the node name of each rank (ranks on different nodes talk over TCP) */
  node?: (rank: number) => string;
  env?: NodeJS.ProcessEnv;
}

export class WireupServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'drover-mpi-test-'));
  readonly address = `unix:${join(this.dir, 'wireup.sock')}`;
  readonly ranks: RankProcess[] = [];
  private readonly key = `k${Math.random().toString(36).slice(2)}`;
  private readonly universes = new Map<string, Universe>();
  private readonly groups = new Map<string, GroupMember[]>();
  private readonly server: Server;
  private serial = 0;
  private options: LaunchOptions = {};

  private constructor() {
    this.server = createServer((socket) => this.serve(socket));
  }

  static async start(): Promise<WireupServer> {
    const s = new WireupServer();
    await new Promise<void>((resolve) => s.server.listen(s.address.slice(5), resolve));
    return s;
  }

  /** Starts `n` ranks of `node argv…` as a new universe; resolves with its id. */
  launch(n: number, argv: string[], options: LaunchOptions = {}, parent?: string): RankProcess[] {
    this.options = options;
    const universe = `u${++this.serial}`;
    this.universes.set(universe, { size: n, store: {}, fence: [], argv, parent });
    const out: RankProcess[] = [];
    for (let rank = 0; rank < n; rank++) {
      const node = options.node?.(rank) ?? 'node0';
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        [MPI_ENV.wireup]: this.address,
        [MPI_ENV.key]: this.key,
        [MPI_ENV.rank]: String(rank),
        [MPI_ENV.size]: String(n),
        [MPI_ENV.universe]: universe,
        [MPI_ENV.node]: node,
        [MPI_ENV.address]: '127.0.0.1',
        [MPI_ENV.dir]: this.dir,
        [MPI_ENV.localRank]: String(rank),
        ...(parent ? { [MPI_ENV.parent]: parent } : {}),
      };
      const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const r: RankProcess = {
        universe,
        rank,
        child,
        stdout: '',
        stderr: '',
        finalized: false,
        exited: undefined!,
      };
      child.stdout!.on('data', (d) => (r.stdout += d));
      child.stderr!.on('data', (d) => (r.stderr += d));
      r.exited = new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          resolve({ code, signal });
          if (!r.finalized) this.lost(r, signal ? `killed by ${signal}` : `exited with code ${code}`);
        }),
      );
      out.push(r);
      this.ranks.push(r);
    }
    return out;
  }

  private lost(r: RankProcess, reason: string): void {
    for (const o of this.ranks)
      if (o !== r) this.tell(o.socket, { t: 'peer-lost', universe: r.universe, rank: r.rank, reason });
  }

  private tell(socket: Socket | undefined, m: WireupMessage): void {
    if (socket && !socket.destroyed) socket.write(`${JSON.stringify(m)}\n`);
  }

  private serve(socket: Socket): void {
    let buffered = '';
    let me: RankProcess | undefined;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const m = JSON.parse(buffered.slice(0, nl)) as RankMessage;
        buffered = buffered.slice(nl + 1);
        if (m.t === 'hello') {
          me = this.ranks.find((r) => r.universe === m.universe && r.rank === m.rank);
          if (!me || m.key !== this.key) {
            this.tell(socket, { t: 'error', message: 'unknown rank or bad key' });
            socket.end();
            return;
          }
          me.socket = socket;
          this.tell(socket, { t: 'welcome', size: this.universes.get(m.universe)!.size });
        } else if (me) this.handle(me, socket, m);
      }
    });
  }

  private handle(me: RankProcess, socket: Socket, m: RankMessage): void {
    const u = this.universes.get(me.universe)!;
    if (m.t === 'put') u.store[m.key] = m.value;
    else if (m.t === 'fence') {
      u.fence.push({ socket, id: m.id });
      if (u.fence.length === u.size) {
        for (const f of u.fence) this.tell(f.socket, { t: 'fenced', id: f.id, store: { ...u.store } });
        u.fence = [];
      }
    } else if (m.t === 'get') {
      const value = this.universes.get(m.universe ?? me.universe)?.store[m.key] ?? null;
      this.tell(socket, { t: 'value', id: m.id, value });
    } else if (m.t === 'finalize') me.finalized = true;
    else if (m.t === 'abort') {
      for (const r of this.ranks) this.tell(r.socket, { t: 'abort', code: m.code, message: m.message });
    } else if (m.t === 'spawn') {
      const [, ...argv] = m.argv; // the test runs `node` itself: argv[0] is the command
      const children = this.launch(m.n, argv, this.options, me.universe);
      this.tell(socket, { t: 'spawned', id: m.id, universe: children[0]!.universe, size: m.n });
    } else if (m.t === 'group') {
      const who = { universe: me.universe, rank: me.rank };
      let members = (this.groups.get(m.name) ?? []).filter(
        (g) => g.universe !== who.universe || g.rank !== who.rank,
      );
      if (m.op === 'join') members.push(who);
      if (m.op === 'members') members = this.groups.get(m.name) ?? [];
      else this.groups.set(m.name, members);
      this.tell(socket, { t: 'group', id: m.id, members });
    }
  }

  /** Waits for every rank to exit, spawned ones included. */
  async allExited(): Promise<{ code: number | null; signal: string | null }[]> {
    let n: number;
    do {
      n = this.ranks.length;
      await Promise.all(this.ranks.map((r) => r.exited));
    } while (this.ranks.length > n);
    return Promise.all(this.ranks.map((r) => r.exited));
  }

  /** Kills every rank still running (by PID), closes the server, removes the directory. */
  async stop(): Promise<void> {
    for (const r of this.ranks)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await this.allExited();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
