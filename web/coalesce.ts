// At most one call per period, however many triggers come: the first trigger after a quiet
// period calls at once, later ones within the period make one call at its end. The web view
// refetches a page's data this way on bursts of server events (docs/web.md). The clock and the
// timer are arguments so that the tests drive them.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Coalescer {
  trigger(): void;
  /** no call after this, pending or not */
  cancel(): void;
}

export function coalesce(fn: () => void, periodMs: number, clock: Clock = realClock): Coalescer {
  let last = Number.NEGATIVE_INFINITY;
  let pending: unknown;
  let cancelled = false;
  const fire = () => {
    pending = undefined;
    if (cancelled) return;
    last = clock.now();
    fn();
  };
  return {
    trigger() {
      if (cancelled || pending !== undefined) return;
      const wait = last + periodMs - clock.now();
      if (wait <= 0) fire();
      else pending = clock.setTimeout(fire, wait);
    },
    cancel() {
      cancelled = true;
      if (pending !== undefined) clock.clearTimeout(pending);
      pending = undefined;
    },
  };
}
