// One `drover mpiexec` run: its universes of ranks placed on nodes, their output relayed, their
// exits judged (a rank that ends before finalize ends the run: the others are told `peer-lost`,
// then every rank is signalled), aborts, spawns, and the exit status of the whole.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { MPI_ENV, type RankStart } from '../../core/protocol/mpi-wireup.js';
import { localRanks } from './rank-placement.js';
import type { RankEvents } from './rank-runner.js';
import type { WireupServer } from './wireup-server.js';
import { type RankRef, refKey } from './wireup-state.js';

export interface NodeLink {
  start(argv: string[], cwd: string, ranks: RankStart[]): void;
  kill(signal: NodeJS.Signals): void;
}

export interface RunSetup {
  key: string;
  /** the wire-up server's address as ranks are told it (`tcp:…` or `unix:…`) */
  wireup: string;
  cwd: string;
  tagOutput: boolean;
  /** the job's slots in order (spawned ranks go round-robin over them) */
  slots: string[];
  /** the address ranks on `host` listen on */
  address(host: string): string;
  /** the link to `host`'s ranks, made on first use */
  link(host: string): NodeLink;
  out(stream: 'out' | 'err', text: string): void;
  /** after `peer-lost`/`abort`, before the ranks are signalled */
  graceMs: number;
  /** after SIGTERM, before SIGKILL */
  killMs: number;
}

export const newId = (): string => randomBytes(6).toString('hex');

/** A rank's exit as a status: the code, or 128 + the signal's number. */
export function exitStatus(code: number | null, signal: string | null): number {
  if (signal) return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
  return code ?? 0;
}

export class MpiRun implements RankEvents {
  private readonly hostOf = new Map<string, string>();
  private readonly links = new Map<string, NodeLink>();
  private ending = false;
  private status = 0;
  private spawnCursor = 0;
  private resolveDone!: (code: number) => void;
  readonly done = new Promise<number>((r) => {
    this.resolveDone = r;
  });
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly setup: RunSetup,
    private readonly server: WireupServer,
  ) {}

  /** Start `argv` as a universe of ranks on `placed` (each rank's host). */
  startUniverse(
    argv: string[],
    placed: string[],
    parent?: string,
    spawner?: { to: RankRef; id: number },
  ): string {
    const id = newId();
    this.server.state.addUniverse(id, placed.length, parent, spawner);
    const local = localRanks(placed);
    const byHost = new Map<string, RankStart[]>();
    placed.forEach((host, rank) => {
      this.hostOf.set(refKey({ universe: id, rank }), host);
      const env: Record<string, string> = {
        [MPI_ENV.wireup]: this.setup.wireup,
        [MPI_ENV.key]: this.setup.key,
        [MPI_ENV.rank]: String(rank),
        [MPI_ENV.size]: String(placed.length),
        [MPI_ENV.universe]: id,
        [MPI_ENV.node]: host,
        [MPI_ENV.address]: this.setup.address(host),
        [MPI_ENV.localRank]: String(local[rank]),
        ...(parent !== undefined ? { [MPI_ENV.parent]: parent } : {}),
      };
      byHost.set(host, [...(byHost.get(host) ?? []), { rank, universe: id, env }]);
    });
    for (const [host, ranks] of byHost) this.linkTo(host).start(argv, this.setup.cwd, ranks);
    this.spawnCursor += placed.length;
    return id;
  }

  private linkTo(host: string): NodeLink {
    let l = this.links.get(host);
    if (!l) {
      l = this.setup.link(host);
      this.links.set(host, l);
    }
    return l;
  }

  /** Spawn: `n` more ranks round-robin over the job's slots, answered after their first fence. */
  spawn(s: { id: number; n: number; argv: string[]; from: RankRef }): void {
    if (this.ending) return;
    const { slots } = this.setup;
    const placed = Array.from({ length: s.n }, (_, i) => slots[(this.spawnCursor + i) % slots.length]!);
    this.startUniverse(s.argv, placed, s.from.universe, { to: s.from, id: s.id });
  }

  output(universe: string, rank: number, stream: 'out' | 'err', data: string): void {
    if (!this.setup.tagOutput) {
      this.setup.out(stream, data);
      return;
    }
    const u = this.server.state.universes.get(universe);
    const tag = `[${u?.index ?? 0},${rank}]<std${stream}>:`;
    const lines = data.endsWith('\n') ? data.slice(0, -1).split('\n') : data.split('\n');
    this.setup.out(stream, lines.map((l) => `${tag}${l}\n`).join(''));
  }

  private describe(ref: RankRef): string {
    const u = this.server.state.universes.get(ref.universe);
    const set = u && u.index > 1 ? ` of spawned set ${u.index}` : '';
    return `rank ${ref.rank}${set} on ${this.hostOf.get(refKey(ref)) ?? '?'}`;
  }

  exit(universe: string, rank: number, code: number | null, signal: string | null): void {
    const ref = { universe, rank };
    const state = this.server.state;
    if (state.universes.get(universe)?.exited.has(rank)) return;
    const status = exitStatus(code, signal);
    const how = `status ${status}${signal ? ` (${signal})` : ''}`;
    if (!this.ending && state.isLoss(ref, status !== 0)) {
      this.lost(ref, `exited with ${how} before finalize`, status || 1);
    } else if (status !== 0 && !this.ending) {
      this.setup.out('err', `drover mpiexec: ${this.describe(ref)} exited with ${how}\n`);
      if (this.status === 0) this.status = status;
    }
    this.server.apply(state.exited(ref));
    this.checkDone();
  }

  /** A rank is gone before finalize: tell the others, then end the run. */
  private lost(ref: RankRef, reason: string, status: number): void {
    this.setup.out('err', `drover mpiexec: ${this.describe(ref)} ${reason}\n`);
    this.server.apply(
      this.server.state.everyone({ t: 'peer-lost', universe: ref.universe, rank: ref.rank, reason }, ref),
    );
    this.end(status, this.setup.graceMs);
  }

  /** The link to `host` is gone (its proxy ended or its connection dropped). */
  nodeLost(host: string, reason: string): void {
    const gone = [...this.hostOf].filter(([k, h]) => h === host && !this.exitedKey(k)).map(([k]) => k);
    for (const k of gone) {
      const [universe, rank] = [k.slice(0, k.lastIndexOf('/')), Number(k.slice(k.lastIndexOf('/') + 1))];
      const ref = { universe, rank };
      if (!this.ending && this.server.state.isLoss(ref, true)) this.lost(ref, reason, 1);
      this.server.apply(this.server.state.exited(ref));
    }
    this.links.delete(host);
    this.checkDone();
  }

  private exitedKey(k: string): boolean {
    const at = k.lastIndexOf('/');
    return this.server.state.universes.get(k.slice(0, at))?.exited.has(Number(k.slice(at + 1))) ?? true;
  }

  abort(a: { code: number; message: string; from: RankRef }): void {
    if (this.ending) return;
    const code = a.code >= 0 && a.code <= 255 ? a.code : 1;
    this.setup.out(
      'err',
      `drover mpiexec: ${this.describe(a.from)} aborted the run with code ${code}: ${a.message}\n`,
    );
    this.server.apply(this.server.state.everyone({ t: 'abort', code, message: a.message }));
    this.end(code, this.setup.graceMs);
  }

  /** End the run with `status`: after `graceMs` SIGTERM every rank, SIGKILL after killMs. */
  end(status: number, graceMs: number): void {
    if (this.ending) return;
    this.ending = true;
    this.status = status;
    const signal = (s: NodeJS.Signals) => () => {
      for (const l of this.links.values()) l.kill(s);
    };
    this.timers.push(setTimeout(signal('SIGTERM'), graceMs));
    this.timers.push(setTimeout(signal('SIGKILL'), graceMs + this.setup.killMs));
    this.checkDone();
  }

  private checkDone(): void {
    if (!this.server.state.allExited()) return;
    for (const t of this.timers) clearTimeout(t);
    this.resolveDone(this.status);
  }
}
