// The primary's side of replication: it listens for its standby, sends it a snapshot of the
// database and the mirrored files (or only the batches it missed, when it comes back within what
// is kept), then every committed batch and changed file in order, with heartbeats. In synchronous
// mode `durable()` resolves once the standby has acknowledged everything committed so far, so
// what leaves the head (an answer, a message to an agent) never depends on a change the standby
// lacks; a standby that does not answer in time is first reported out of sync (to the witness,
// which then refuses it a takeover), and only then does the primary go on alone.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { CommittedBatch } from '../db/statement-log.js';
import type { Store } from '../db/store.js';
import { encodeFrame, type PrimaryFrame, type StandbyFrame } from './ha-frames.js';
import { HaLink } from './ha-link.js';
import { type HomeChanges, MIRRORED, readTree } from './home-mirror.js';

export interface FeedOptions {
  host: string;
  port: number;
  key: Buffer;
  home: string;
  /** sync: acknowledge a change once the standby has it; async: at once */
  sync: boolean;
  /** how long a change waits for the standby before it is reported out of sync */
  syncTimeoutMs: number;
  heartbeatMs: number;
  epoch: () => number;
  /** the primary's API address, told to the standby */
  api: string | null;
  log: Logger;
}

export interface FeedEvents {
  /** the standby is (or is no longer) in sync; resolves once the witness knows */
  syncChanged: (inSync: boolean) => Promise<void>;
  /** the standby answered a heartbeat sent at `sentAt` (performance.now()) */
  pong: (sentAt: number) => void;
  /** the standby knows a newer epoch than ours */
  staleEpoch: (epoch: number) => void;
}

interface Kept {
  /** batches: their seq; files: the seq of the batch before them */
  seq: number;
  batch: boolean;
  frame: Buffer;
}

const KEEP_BYTES = 64 << 20;
const MAX_BACKLOG = 256 << 20;

type Link = HaLink<StandbyFrame, PrimaryFrame>;

export class PrimaryFeed {
  readonly lineage = randomUUID();
  private readonly kept: Kept[] = [];
  private keptBytes = 0;
  private server: Server | undefined;
  private link: Link | undefined;
  private streaming = false;
  ackedSeq = 0;
  /** the standby has everything the primary acknowledged (false: the witness was told so) */
  inSync = false;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private reporting: Promise<void> | undefined;
  private pings = new Map<number, number>();
  private n = 0;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private stopped = false;
  /** the standby's address */
  standby: { from: string } | undefined;
  /** performance.now() of the standby's last frame */
  heardAt: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly changes: HomeChanges,
    private readonly opts: FeedOptions,
    private readonly events: FeedEvents,
  ) {}

  async start(): Promise<void> {
    this.unlisten = this.store.statements.onCommit((b) => this.committed(b));
    this.changes.listen((rel) => this.fileChanged(rel));
    this.server = createServer((socket) => this.accept(new HaLink(socket, this.opts.key, 'primary')));
    await new Promise<void>((res, rej) => {
      this.server!.once('error', rej);
      this.server!.listen(this.opts.port, this.opts.host, () => res());
    });
    this.timer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.changes.listen(undefined);
    clearInterval(this.timer);
    this.link?.close();
    this.server?.close();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** durable() would resolve at once */
  caughtUp(): boolean {
    return !this.opts.sync || !this.inSync || this.ackedSeq >= this.store.statements.seq;
  }

  connected(): boolean {
    return this.streaming && this.link !== undefined;
  }

  /** Planned switchover (the head has stopped): once the standby has every batch, tell it to
   * take over. False when it does not catch up within `timeoutMs`. */
  async handOver(epoch: number, timeoutMs: number): Promise<boolean> {
    const seq = this.store.statements.seq;
    const caughtUp = await new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), timeoutMs);
      const check = (): void => {
        if (this.ackedSeq < seq || !this.link) {
          this.onAck.push(check);
          return;
        }
        clearTimeout(timer);
        res(true);
      };
      check();
    });
    this.onAck = [];
    if (!caughtUp || !this.link) return false;
    this.link.send({ t: 'hand-over', seq, epoch });
    return true;
  }

  /** Lag in batches: committed here, not yet acknowledged by the standby. */
  lag(): number {
    return this.store.statements.seq - this.ackedSeq;
  }

  /** Resolves once every change committed so far is on the standby's disk (sync mode), or at once. */
  durable(seq = this.store.statements.seq): Promise<void> {
    if (!this.opts.sync || !this.inSync || this.ackedSeq >= seq) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ seq, resolve });
      if (this.waiters.length === 1) this.armSyncTimer();
    });
  }

  private syncTimer: NodeJS.Timeout | undefined;
  /** called at the next acknowledgement (a hand-over waiting for the standby) */
  private onAck: (() => void)[] = [];

  private armSyncTimer(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => {
      if (this.waiters.length > 0) void this.fallOutOfSync('no acknowledgement in time');
    }, this.opts.syncTimeoutMs);
  }

  /** Tell the witness first; only then answer what waited for the standby. */
  private async fallOutOfSync(why: string): Promise<void> {
    if (!this.inSync) return;
    if (this.reporting) return this.reporting;
    this.opts.log.warn({ why, lag: this.lag() }, 'standby out of sync');
    this.reporting = (async () => {
      await this.events.syncChanged(false);
      this.inSync = false;
      for (const w of this.waiters.splice(0)) w.resolve();
    })().finally(() => {
      this.reporting = undefined;
    });
    return this.reporting;
  }

  private acked(seq: number): void {
    if (seq > this.ackedSeq) this.ackedSeq = seq;
    for (const f of this.onAck.splice(0)) f();
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.seq <= this.ackedSeq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
    if (still.length > 0) this.armSyncTimer();
    else clearTimeout(this.syncTimer);
    if (!this.inSync && !this.reporting && this.ackedSeq >= this.store.statements.seq) {
      // caught up: wait for it from now on, then let the witness know
      this.inSync = true;
      this.opts.log.info({ seq: this.ackedSeq }, 'standby in sync');
      void this.events.syncChanged(true);
    }
  }

  private keep(entry: Kept): void {
    this.kept.push(entry);
    this.keptBytes += entry.frame.length;
    while (this.keptBytes > KEEP_BYTES && this.kept.length > 1)
      this.keptBytes -= this.kept.shift()!.frame.length;
  }

  private send(frame: Buffer): void {
    if (!this.streaming || !this.link) return;
    if (this.link.socket.writableLength > MAX_BACKLOG) {
      this.opts.log.warn('standby too far behind: dropping its connection');
      this.link.close();
      return;
    }
    this.link.sendEncoded(frame);
  }

  private committed(batch: CommittedBatch): void {
    const frame = encodeFrame({ t: 'batch', seq: batch.seq, statements: batch.statements });
    this.keep({ seq: batch.seq, batch: true, frame });
    this.send(frame);
  }

  private fileChanged(rel: string): void {
    const frame = encodeFrame({ t: 'files', files: [readTree(this.opts.home, rel)] });
    this.keep({ seq: this.store.statements.seq, batch: false, frame });
    this.send(frame);
  }

  private heartbeat(): void {
    if (!this.streaming || !this.link) return;
    const n = ++this.n;
    this.pings.set(n, performance.now());
    if (this.pings.size > 100) this.pings.delete(this.pings.keys().next().value!);
    this.link.send({ t: 'ping', n, epoch: this.opts.epoch(), api: this.opts.api });
  }

  private accept(link: Link): void {
    link.on('bad', (why: string) => this.opts.log.warn({ why }, 'HA link refused'));
    link.on('frame', (f: StandbyFrame) => this.frame(link, f));
    link.on('close', () => {
      if (this.link !== link || this.stopped) return;
      this.link = undefined;
      this.streaming = false;
      this.opts.log.warn('standby disconnected');
      void this.fallOutOfSync('standby disconnected');
    });
  }

  private frame(link: Link, f: StandbyFrame): void {
    if (f.t === 'hello') {
      this.hello(link, f);
      return;
    }
    if (link !== this.link) return;
    this.heardAt = performance.now();
    if (f.t === 'ack') this.acked(f.seq);
    else if (f.t === 'pong') {
      const sentAt = this.pings.get(f.n);
      if (sentAt !== undefined) this.events.pong(sentAt);
    }
  }

  private hello(link: Link, f: Extract<StandbyFrame, { t: 'hello' }>): void {
    if (f.epoch > this.opts.epoch()) {
      link.close();
      this.events.staleEpoch(f.epoch);
      return;
    }
    this.link?.close();
    this.link = link;
    this.standby = { from: f.from };
    this.heardAt = performance.now();
    this.streaming = true;
    const first = this.kept[0];
    const canCatchUp = f.lineage === this.lineage && first !== undefined && first.seq <= f.seq + 1;
    const upToDate = f.lineage === this.lineage && f.seq === this.store.statements.seq;
    if (canCatchUp || upToDate) {
      this.opts.log.info({ from: f.from, seq: f.seq }, 'standby catching up');
      for (const k of this.kept) if (k.batch ? k.seq > f.seq : k.seq >= f.seq) link.sendEncoded(k.frame);
      this.ackedSeq = f.seq;
      this.acked(f.seq);
    } else {
      // nothing of ours is on the standby until it acknowledges the snapshot
      this.ackedSeq = -1;
      this.snapshot(link, f.from);
    }
  }

  /** The database as of the last commit (this runs between transactions) and the mirrored files. */
  private snapshot(link: Link, from: string): void {
    const seq = this.store.statements.seq;
    const db = this.store.db.serialize();
    const files = MIRRORED.map((rel) => readTree(this.opts.home, rel));
    this.opts.log.info({ from, seq, bytes: db.length }, 'sending a snapshot to the standby');
    link.send({ t: 'snapshot', lineage: this.lineage, seq, epoch: this.opts.epoch(), db, files });
  }
}
