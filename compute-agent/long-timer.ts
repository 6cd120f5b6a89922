// Timers of any length. Node's setTimeout holds at most 2^31-1 ms (24.8 days) and fires at once
// for anything longer, so a 1000-hour walltime would kill its job immediately; these re-arm.

/** The longest delay one Node timer holds. */
const MAX_DELAY = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Call `fn` once, `ms` from now. */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_DELAY ? arm(left - MAX_DELAY) : fn()), Math.min(left, MAX_DELAY));
  };
  arm(Math.max(0, ms));
  return { clear: () => clearTimeout(timer) };
}

/** Call `fn` every `ms`. */
export function longInterval(fn: () => void, ms: number): LongTimer {
  let current: LongTimer;
  const next = () => {
    current = longTimeout(() => {
      next();
      fn();
    }, ms);
  };
  next();
  return { clear: () => current.clear() };
}
