// Work that waits for the outermost transaction to commit: a transaction (or a savepoint inside
// one) that throws drops what was queued inside it, so that what observes changes (the head's
// metrics, head/metrics/job-metrics.ts) counts only what was committed.

export interface AfterCommit {
  /** Run `tx` as one transaction level; on success its queued work joins the level above, or runs
   * once the outermost level has committed. */
  run<T>(tx: () => T): T;
  /** Queue `fn` until the current transaction commits (at once outside any). It must not throw. */
  add(fn: () => void): void;
}

export function afterCommit(): AfterCommit {
  const levels: (() => void)[][] = [];
  return {
    run<T>(tx: () => T): T {
      levels.push([]);
      let value: T;
      try {
        value = tx();
      } catch (e) {
        levels.pop();
        throw e;
      }
      const mine = levels.pop()!;
      const outer = levels[levels.length - 1];
      if (outer) outer.push(...mine);
      else for (const fn of mine) fn();
      return value;
    },
    add(fn: () => void): void {
      const level = levels[levels.length - 1];
      if (level) level.push(fn);
      else fn();
    },
  };
}
