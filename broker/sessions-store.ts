// The durable sessions' SQL, and the only place the broker opens SQLite: `sessions.db` in the
// broker's state directory, WAL with synchronous = FULL, its small schema created at open. A batch
// is written in slices of a few thousand requests (so that live calls are not held up for long)
// and sealed in the transaction of its last slice; it is acknowledged after that commit, and a
// batch never sealed (the broker died while writing it) is removed at the next open. A response is
// stored in the transaction that marks its request done, and only while the request is not done
// yet, so none is done twice.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { BatchRequest, SessionProgress, SessionResponse } from '../core/protocol/session-batch.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  sealed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS calls (
  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  corr TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  headers TEXT NOT NULL,
  body BLOB,
  done_seq INTEGER,
  status INTEGER,
  resp_headers TEXT,
  resp_body BLOB,
  error TEXT,
  PRIMARY KEY (session, seq)
);
CREATE INDEX IF NOT EXISTS calls_done ON calls (session, done_seq) WHERE done_seq IS NOT NULL;
`;

/** A request not done yet, as the worker sends it. */
export interface PendingCall {
  session: string;
  seq: number;
  request: BatchRequest;
}

/** How a request ended: the instance's answer, or the broker's reason for having none. */
export interface Completion {
  session: string;
  seq: number;
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer;
  error?: string;
}

interface CallRow {
  session: string;
  seq: number;
  corr: string;
  method: string;
  path: string;
  headers: string;
  body: Buffer | null;
}

interface ResponseRow {
  corr: string;
  status: number | null;
  resp_headers: string | null;
  resp_body: Buffer | null;
  error: string | null;
}

/** `~/.drover/broker-<port>`: a broker's state directory unless `--state-dir` names one. */
export function defaultBrokerStateDir(port: number): string {
  return join(homedir(), '.drover', `broker-${port}`);
}

/** Requests written in one transaction. */
const SLICE = 2_000;

/** A page of responses stops after the response that brings its bodies to this size. */
const PAGE_BYTES = 16 * 2 ** 20;

const failedCall = (c: Completion) => c.error !== undefined || (c.status ?? 0) >= 500;

function toResponse(r: ResponseRow): SessionResponse {
  if (r.error !== null) return { id: r.corr, error: r.error };
  const out: SessionResponse = {
    id: r.corr,
    status: r.status ?? 0,
    headers: JSON.parse(r.resp_headers ?? '{}'),
  };
  const body = r.resp_body ?? Buffer.alloc(0);
  const text = body.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(body)) out.body = text;
  else out.bodyBase64 = body.toString('base64');
  return out;
}

export class SessionStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(stateDir, 'sessions.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.db.exec('DELETE FROM sessions WHERE sealed = 0');
    const db = this.db;
    this.q = {
      session: db.prepare('INSERT INTO sessions (id, service, created_ms, total) VALUES (?, ?, ?, ?)'),
      call: db.prepare(
        'INSERT INTO calls (session, seq, corr, method, path, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      counters: db.prepare('SELECT done FROM sessions WHERE id = ?').pluck(),
      finish: db.prepare(
        `UPDATE calls SET done_seq = ?, status = ?, resp_headers = ?, resp_body = ?, error = ?
         WHERE session = ? AND seq = ? AND done_seq IS NULL`,
      ),
      bump: db.prepare('UPDATE sessions SET done = done + 1, failed = failed + ? WHERE id = ?'),
      pending: db.prepare(
        `SELECT session, seq, corr, method, path, headers, body FROM calls
         WHERE session = ? AND seq > ? AND done_seq IS NULL ORDER BY seq LIMIT ?`,
      ),
      seal: db.prepare('UPDATE sessions SET sealed = 1 WHERE id = ?'),
      unfinished: db.prepare(
        'SELECT id, service FROM sessions WHERE sealed = 1 AND done < total ORDER BY created_ms, rowid',
      ),
      progress: db.prepare(
        'SELECT id, service, created_ms, total, done, failed FROM sessions WHERE id = ? AND sealed = 1',
      ),
      responses: db.prepare(
        `SELECT corr, status, resp_headers, resp_body, error FROM calls
         WHERE session = ? AND done_seq >= ? AND done_seq IS NOT NULL ORDER BY done_seq LIMIT ?`,
      ),
      remove: db.prepare('DELETE FROM sessions WHERE id = ? AND sealed = ?'),
    };
  }

  /**
   * Store a batch, a slice per transaction with a turn of the event loop between slices; the
   * session's id once the last slice, which seals it, is committed.
   */
  async create(service: string, requests: BatchRequest[]): Promise<string> {
    const id = randomUUID();
    this.q.session.run(id, service, Date.now(), requests.length);
    try {
      for (let from = 0; from < requests.length; from += SLICE) {
        if (from > 0) await nextTurn();
        this.db.transaction(() => {
          const to = Math.min(from + SLICE, requests.length);
          for (let seq = from; seq < to; seq++) {
            const r = requests[seq]!;
            const body = r.body === undefined ? null : Buffer.from(r.body, 'utf8');
            this.q.call.run(id, seq, r.id, r.method, r.path, JSON.stringify(r.headers), body);
          }
          if (to === requests.length) this.q.seal.run(id);
        })();
      }
    } catch (err) {
      if (this.db.open) this.q.remove.run(id, 0);
      throw err;
    }
    return id;
  }

  /** Up to `limit` requests of a session not done yet, after `afterSeq`, in order. */
  pending(session: string, afterSeq: number, limit: number): PendingCall[] {
    return (this.q.pending.all(session, afterSeq, limit) as CallRow[]).map((r) => {
      const request: BatchRequest = {
        id: r.corr,
        method: r.method as BatchRequest['method'],
        path: r.path,
        headers: JSON.parse(r.headers),
      };
      if (r.body !== null) request.body = r.body.toString('utf8');
      return { session: r.session, seq: r.seq, request };
    });
  }

  /** Sessions with requests not done yet, oldest first. */
  unfinished(): { id: string; service: string }[] {
    return this.q.unfinished.all() as { id: string; service: string }[];
  }

  /**
   * Record these completions in one transaction: each request is marked done with its response,
   * and counted, only if it was not done yet. Returns the sessions that progressed.
   */
  complete(completions: Completion[]): Set<string> {
    const progressed = new Set<string>();
    this.db.transaction(() => {
      for (const c of completions) {
        const done = this.q.counters.get(c.session) as number | undefined;
        if (done === undefined) continue; // deleted meanwhile
        const headers = c.headers ? JSON.stringify(c.headers) : null;
        const changed = this.q.finish.run(
          done,
          c.status ?? null,
          headers,
          c.body ?? null,
          c.error ?? null,
          c.session,
          c.seq,
        ).changes;
        if (changed !== 1) continue;
        this.q.bump.run(failedCall(c) ? 1 : 0, c.session);
        progressed.add(c.session);
      }
    })();
    return progressed;
  }

  /** A session's progress, and a page of its responses in finishing order when `page` is given. */
  progress(id: string, page?: { from: number; limit: number }): SessionProgress | undefined {
    const s = this.q.progress.get(id) as
      | { id: string; service: string; created_ms: number; total: number; done: number; failed: number }
      | undefined;
    if (!s) return undefined;
    const out: SessionProgress = {
      session: s.id,
      service: s.service,
      created: new Date(s.created_ms).toISOString(),
      total: s.total,
      done: s.done,
      failed: s.failed,
    };
    if (page) {
      out.responses = [];
      let bytes = 0;
      for (const row of this.q.responses.iterate(id, page.from, page.limit) as Iterable<ResponseRow>) {
        out.responses.push(toResponse(row));
        bytes += row.resp_body?.length ?? 0;
        if (bytes >= PAGE_BYTES) break;
      }
      out.next = page.from + out.responses.length;
    }
    return out;
  }

  /** Forget a session, its requests and responses; false when there is no such session. */
  remove(id: string): boolean {
    return this.q.remove.run(id, 1).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}
