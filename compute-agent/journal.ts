// The agent's local journal: every job fact is appended and flushed to disk before it is
// reported, and replayed until the head acknowledges it (architecture.md §5).
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Fact, JournalEntry } from '../core/protocol.js';

export class Journal {
  private fd: number;
  private entries: JournalEntry[] = [];
  private acked = 0;
  private lastSeq = 0;
  private readonly file: string;
  private readonly ackFile: string;

  constructor(dir: string) {
    this.file = join(dir, 'journal.jsonl');
    this.ackFile = join(dir, 'journal.acked');
    if (existsSync(this.ackFile)) this.acked = Number(readFileSync(this.ackFile, 'utf8')) || 0;
    if (existsSync(this.file)) this.load();
    this.lastSeq = Math.max(this.acked, this.entries.at(-1)?.seq ?? 0);
    this.fd = openSync(this.file, 'a', 0o600);
  }

  private load(): void {
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (entry.seq > this.acked) this.entries.push(entry);
      } catch {
        // a torn last line from a crash mid-write: the fact was never reported
      }
    }
  }

  /** Record a fact durably; returns it with its sequence number. */
  append(fact: Fact): JournalEntry {
    const entry = { seq: ++this.lastSeq, fact };
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fdatasyncSync(this.fd);
    this.entries.push(entry);
    return entry;
  }

  unacked(): JournalEntry[] {
    return [...this.entries];
  }

  /** The head committed every fact up to `seq`. */
  ack(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = Math.min(seq, this.lastSeq);
    this.entries = this.entries.filter((e) => e.seq > this.acked);
    writeFileSync(this.ackFile, String(this.acked));
    if (this.entries.length === 0) this.compact();
  }

  /** Everything is acknowledged: start an empty journal file. */
  private compact(): void {
    closeSync(this.fd);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, '');
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a', 0o600);
  }

  close(): void {
    closeSync(this.fd);
  }
}
