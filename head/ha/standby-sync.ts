// The standby's side of replication: it connects to the primary, installs a snapshot when it
// has none of the primary's lineage (written beside head.db, synced, renamed in place), then
// applies each batch of statements in a transaction that also records how far it got (meta
// `ha_applied`), writes the mirrored files, acknowledges, and answers heartbeats. It reconnects
// on its own; the HA controller (head/ha/ha-controller.ts) reads when it last heard the primary.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Db, openDatabase } from '../db/connection.js';
import type { LoggedStatement } from '../db/statement-log.js';
import type { PrimaryFrame, StandbyFrame } from './ha-frames.js';
import { HaLink } from './ha-link.js';
import { writeTree } from './home-mirror.js';

export interface StandbyOptions {
  primary: { host: string; port: number };
  key: Buffer;
  home: string;
  migrationsDir: string;
  /** this head's own HA address, as the primary and the witness know it */
  from: string;
  log: Logger;
  reconnectMs: number;
}

type Link = HaLink<PrimaryFrame, StandbyFrame>;

const APPLIED = 'ha_applied';

/** A statement replayed with the arguments it was logged with. */
interface Replayed {
  reader: boolean;
  run(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown;
}

export class StandbySync {
  private db: Db | undefined;
  private link: Link | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly cache = new Map<string, Replayed>();
  private pending: { seq: number; statements: LoggedStatement[] }[] = [];
  lineage: string | null = null;
  seq = 0;
  /** the highest epoch seen (the primary's, from its pings and the database) */
  epoch = 0;
  /** performance.now() of the last frame from a primary of the current epoch */
  heardAt = 0;
  connected = false;
  /** the primary's API address, from its heartbeats */
  primaryApi: string | null = null;
  onHandOver: ((seq: number, epoch: number) => void) | undefined;

  constructor(private readonly opts: StandbyOptions) {}

  get dbFile(): string {
    return join(this.opts.home, 'head.db');
  }

  start(): void {
    this.open();
    this.connect();
  }

  /** Stop replicating and close the database (before a takeover opens it as the head's). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.link?.close();
    this.closeDb();
  }

  private open(): void {
    this.db = openDatabase(this.dbFile, this.opts.migrationsDir);
    this.cache.clear();
    const applied = this.metaGet(APPLIED);
    const m = applied ? /^(.*):(\d+)$/.exec(applied) : null;
    this.lineage = m ? m[1]! : null;
    this.seq = m ? Number(m[2]) : 0;
    this.epoch = Math.max(this.epoch, Number(this.metaGet('epoch') ?? 0));
  }

  private closeDb(): void {
    this.cache.clear();
    this.db?.close();
    this.db = undefined;
  }

  private metaGet(key: string): string | undefined {
    return this.db!.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = connect(this.opts.primary.port, this.opts.primary.host);
    const link: Link = new HaLink(socket, this.opts.key, 'standby');
    this.link = link;
    link.on('trusted', () => {
      this.connected = true;
      link.send({
        t: 'hello',
        from: this.opts.from,
        lineage: this.lineage,
        seq: this.seq,
        epoch: this.epoch,
      });
    });
    link.on('bad', (why: string) => this.opts.log.warn({ why }, 'HA link refused'));
    link.on('frame', (f: PrimaryFrame) => this.frame(link, f));
    link.on('close', () => {
      this.connected = false;
      if (this.link === link) this.link = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.connect(), this.opts.reconnectMs);
    });
  }

  private frame(link: Link, f: PrimaryFrame): void {
    try {
      if (f.t === 'batch') {
        this.pending.push(f);
        if (this.pending.length === 1) setImmediate(() => this.safely(link, () => this.flush(link)));
        return;
      }
      this.flush(link);
      if (f.t === 'ping') {
        if (f.epoch < this.epoch) return; // an old primary: no pong, no lease
        this.epoch = f.epoch;
        this.heardAt = performance.now();
        this.primaryApi = f.api;
        link.send({ t: 'pong', n: f.n });
      } else if (f.t === 'snapshot') {
        this.install(f);
        link.send({ t: 'ack', seq: this.seq });
      } else if (f.t === 'files') {
        for (const tree of f.files) writeTree(this.opts.home, tree);
      } else if (f.t === 'hand-over') {
        this.onHandOver?.(f.seq, f.epoch);
      }
    } catch (e) {
      this.failed(link, e);
    }
  }

  private safely(link: Link, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(link, e);
    }
  }

  /** A batch that does not apply means this copy is not the primary's: start again from a snapshot. */
  private failed(link: Link, e: unknown): void {
    this.opts.log.error({ err: e }, 'replication failed: asking for a fresh snapshot');
    this.pending = [];
    this.lineage = null;
    link.close();
  }

  private install(f: Extract<PrimaryFrame, { t: 'snapshot' }>): void {
    this.closeDb();
    const tmp = `${this.dbFile}.snapshot`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, f.db);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(`${this.dbFile}-wal`, { force: true });
    rmSync(`${this.dbFile}-shm`, { force: true });
    renameSync(tmp, this.dbFile);
    const dir = openSync(this.opts.home, 'r');
    fsyncSync(dir);
    closeSync(dir);
    for (const tree of f.files) writeTree(this.opts.home, tree);
    this.open();
    this.lineage = f.lineage;
    this.seq = f.seq;
    this.epoch = Math.max(this.epoch, f.epoch);
    this.setApplied();
    this.opts.log.info({ seq: f.seq, bytes: f.db.length }, 'snapshot installed');
  }

  private prepared(sql: string): Replayed {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db!.prepare(sql) as unknown as Replayed;
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  private setApplied(): void {
    this.prepared(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(APPLIED, `${this.lineage}:${this.seq}`);
  }

  /** Batches that arrived together are applied in one transaction (one sync) and acknowledged once. */
  private flush(link: Link | undefined): void {
    const batches = this.pending;
    if (batches.length === 0) return;
    this.pending = [];
    const before = this.seq;
    try {
      this.db!.transaction(() => {
        for (const b of batches) {
          if (b.seq !== this.seq + 1) throw new Error(`batch ${b.seq} after ${this.seq}`);
          for (const [sql, args] of b.statements) {
            const stmt = this.prepared(sql);
            if (stmt.reader) stmt.all(...args);
            else stmt.run(...args);
          }
          this.seq = b.seq;
        }
        this.setApplied();
      })();
    } catch (e) {
      // rolled back: the position is what the database says
      this.seq = before;
      throw e;
    }
    link?.send({ t: 'ack', seq: this.seq });
  }
}
