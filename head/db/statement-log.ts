// The head's writes as statements, for a standby (head/ha/): every statement that changes the
// database is recorded with its arguments while its transaction runs, forgotten when its
// savepoint rolls back, and handed over as one numbered batch when the outermost transaction
// commits (or at once, for a write outside any transaction). Replaying the batches in order on a
// copy of the database gives the same database: the head's SQL takes every value that varies
// (times, ids) as an argument and reads no clock or random source of SQLite's own.
import type { Db } from './connection.js';

/** One write: its SQL and the arguments it was run with. */
export type LoggedStatement = [sql: string, args: unknown[]];

/** What one commit changed, numbered from 1 in commit order. */
export interface CommittedBatch {
  seq: number;
  statements: LoggedStatement[];
}

type Listener = (batch: CommittedBatch) => void;

const WRITE_METHODS = ['run', 'get', 'all', 'iterate'] as const;

export class StatementLog {
  private pending: LoggedStatement[] = [];
  private listeners: Listener[] = [];
  /** the number of the last batch handed over */
  seq = 0;

  constructor(private readonly db: Db) {}

  /** Called with each committed batch, in order (empty commits are not batches). */
  onCommit(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Record `sql` run with `args` (the statement has not run yet; a throw truncates below). */
  record(sql: string, args: unknown[]): void {
    this.pending.push([sql, args]);
    if (!this.db.inTransaction) this.queueAutocommit();
  }

  mark(): number {
    return this.pending.length;
  }

  rollbackTo(mark: number): void {
    this.pending.length = Math.min(this.pending.length, mark);
  }

  /** The outermost transaction committed: its statements are a batch. */
  committed(): void {
    if (this.pending.length === 0) return;
    const batch = { seq: ++this.seq, statements: this.pending };
    this.pending = [];
    for (const l of this.listeners) l(batch);
  }

  private autocommitQueued = false;

  /** A write outside a transaction commits as soon as it has run (after this call returns). */
  private queueAutocommit(): void {
    if (this.autocommitQueued) return;
    this.autocommitQueued = true;
    queueMicrotask(() => {
      this.autocommitQueued = false;
      if (!this.db.inTransaction) this.committed();
    });
  }
}

/**
 * Make `db` record its writes in a StatementLog: statements that write are recorded when run,
 * transactions mark where a rollback truncates and hand over the batch when the outermost one
 * commits. Reads are untouched.
 */
export function logStatements(db: Db): StatementLog {
  const log = new StatementLog(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (stmt.readonly) return stmt;
    const s = stmt as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of WRITE_METHODS) {
      const original = s[name]!.bind(stmt);
      s[name] = (...args: unknown[]) => {
        const mark = log.mark();
        log.record(sql, args);
        try {
          return original(...args);
        } catch (e) {
          log.rollbackTo(mark);
          throw e;
        }
      };
    }
    return stmt;
  }) as Db['prepare'];
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const tx = transaction(fn);
    return (...args: unknown[]) => {
      const outermost = !db.inTransaction;
      const mark = log.mark();
      let value: unknown;
      try {
        value = tx(...args);
      } catch (e) {
        log.rollbackTo(mark);
        throw e;
      }
      if (outermost) log.committed();
      return value;
    };
  }) as unknown as Db['transaction'];
  return log;
}
