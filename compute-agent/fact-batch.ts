// The facts and exits of one turn of the event loop, journaled together with one flush and then
// reported: many jobs ending at once cost one fdatasync, not one each.
import type { Fact, JournalEntry } from '../core/protocol/agent-protocol.js';
import type { LiveJob } from './job-launch.js';
import type { Journal } from './journal.js';

export interface Exit {
  job: LiveJob;
  status: number;
  failure?: string;
}

export class FactBatch {
  private facts: Fact[] = [];
  private exits: Exit[] = [];
  private flushQueued = false;

  constructor(
    private readonly journal: Journal,
    private readonly report: (entry: JournalEntry) => void,
    /** this turn's exits, recorded before the facts are journaled (they add `exited` facts) */
    private readonly exited: (exits: Exit[]) => void,
  ) {}

  emit(fact: Fact): void {
    this.facts.push(fact);
    this.flushSoon();
  }

  exit(e: Exit): void {
    this.exits.push(e);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const exits = this.exits;
    this.exits = [];
    this.exited(exits);
    const facts = this.facts;
    this.facts = [];
    for (const entry of this.journal.appendAll(facts)) this.report(entry);
  }
}
