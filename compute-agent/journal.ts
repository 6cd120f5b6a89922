// The agent's local journal: every job fact is appended and flushed to disk before it is
// reported, and replayed until the head acknowledges it (docs/architecture.md).
// Acknowledgements are selective (the head may acknowledge a later fact before an earlier one
// whose output it still waits for) and are appended to the same file without a flush: an ack
// lost in a crash only makes the head see that fact again, which it ignores.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Fact, JournalEntry } from '../core/protocol/agent-protocol.js';

/** Rewrite the file with only the unacknowledged facts once it grows past this. */
const COMPACT_BYTES = 1 << 20;

/** a fact, or acknowledgements (with the last sequence number used, after a compaction) */
type Line = JournalEntry | { ack: number[]; last?: number };

export class Journal {
  private fd: number;
  private entries = new Map<number, JournalEntry>();
  private lastSeq = 0;
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, 'journal.jsonl');
    if (existsSync(this.file)) this.load();
    this.fd = openSync(this.file, 'a', 0o600);
  }

  private load(): void {
    for (const text of readFileSync(this.file, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // a torn last line from a crash mid-write: that fact was never reported
      }
      if ('ack' in line) for (const seq of line.ack) this.entries.delete(seq);
      else this.entries.set(line.seq, line);
      this.lastSeq = Math.max(this.lastSeq, 'seq' in line ? line.seq : (line.last ?? 0));
    }
  }

  /** Record facts durably with one flush; returns them with their sequence numbers. */
  appendAll(facts: Fact[]): JournalEntry[] {
    if (facts.length === 0) return [];
    const added = facts.map((fact) => ({ seq: ++this.lastSeq, fact }));
    writeSync(this.fd, added.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fdatasyncSync(this.fd);
    for (const e of added) this.entries.set(e.seq, e);
    return added;
  }

  unacked(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** The head committed these facts. */
  ack(seqs: number[]): void {
    const known = seqs.filter((s) => this.entries.delete(s));
    if (known.length === 0) return;
    writeSync(this.fd, `${JSON.stringify({ ack: known })}\n`);
    if (fstatSync(this.fd).size > COMPACT_BYTES) this.compact();
  }

  /** Start a new file holding only the facts still unacknowledged (atomic rename). */
  private compact(): void {
    closeSync(this.fd);
    const tmp = `${this.file}.tmp`;
    // sequence numbers never repeat, so a late ack can never name a newer fact
    const lines = [{ ack: [], last: this.lastSeq }, ...this.unacked()].map((l) => `${JSON.stringify(l)}\n`);
    writeFileSync(tmp, lines.join(''), { flush: true });
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a', 0o600);
  }

  close(): void {
    closeSync(this.fd);
  }
}
