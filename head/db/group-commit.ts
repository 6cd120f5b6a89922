// Group commit: the work that arrives in one turn of the event loop (submissions, batches of
// agent messages, a scheduling pass) shares one transaction, so that one fsync makes all of it
// durable. Each unit runs in its own savepoint: a unit that throws is rolled back alone and
// rejects only its own promise. Promises settle after the commit, so whatever a caller does
// with the result (answer a client, acknowledge an agent's fact) happens once it is durable.

interface Unit {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface Transactional {
  transaction<T>(fn: () => T): T;
}

export class GroupCommit {
  private units: Unit[] = [];

  /** `durable`: resolves once what was committed may leave the head (a head with a standby
   * waits for it: head/ha/ha-hooks.ts); the units settle after it */
  constructor(
    private readonly store: Transactional,
    private readonly durable?: () => Promise<void>,
  ) {}

  /** Run `fn` in the next group; resolves with its value once the group has committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.units.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.units.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commit every waiting unit in one transaction (units queued meanwhile wait for the next). */
  flush(): void {
    const units = this.units;
    this.units = [];
    if (units.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.store.transaction(() => units.map((u) => this.attempt(u)));
    } catch (error) {
      for (const u of units) u.reject(error);
      return;
    }
    const settle = () =>
      outcomes.forEach((o, i) => {
        if (o.ok) units[i]!.resolve(o.value);
        else units[i]!.reject(o.error);
      });
    if (!this.durable) settle();
    else
      this.durable().then(settle, (e: unknown) => {
        for (const u of units) u.reject(e);
      });
  }

  private attempt(unit: Unit): Outcome {
    try {
      return { ok: true, value: this.store.transaction(unit.fn) };
    } catch (error) {
      return { ok: false, error };
    }
  }
}
