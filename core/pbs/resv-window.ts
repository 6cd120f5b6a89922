// A reservation's window from what pbs_rsub was given, as PBS's server derives it: two of start
// (-R), end (-E) and walltime (-D or -l walltime) make the third; all three must agree. A start
// before now (the head's clock), an end not after the start or a walltime of 0 is refused with
// PBS's "Bad time specification(s)".
import { ok, type Result, refuse } from '../errors.js';

/** Epoch seconds; `walltime` in seconds. */
export interface WindowAsked {
  start?: number;
  end?: number;
  walltime?: number;
}

export interface ResvWindowTimes {
  start: number;
  end: number;
  /** seconds: end − start */
  duration: number;
}

const BAD = 'Bad time specification(s)';

export function resvWindow(asked: WindowAsked, now: number): Result<ResvWindowTimes> {
  const { start, end, walltime } = asked;
  if (walltime !== undefined && walltime <= 0) return refuse('BAD_TIME_SPEC', BAD);
  let window: ResvWindowTimes | undefined;
  if (start !== undefined && end !== undefined) {
    if (walltime === undefined || end - start === walltime) window = { start, end, duration: end - start };
  } else if (start !== undefined && walltime !== undefined) {
    window = { start, end: start + walltime, duration: walltime };
  } else if (end !== undefined && walltime !== undefined) {
    window = { start: end - walltime, end, duration: walltime };
  }
  if (!window || window.start < now || window.end <= window.start) return refuse('BAD_TIME_SPEC', BAD);
  return ok(window);
}

/**
 * pbs_rsub's rule for `-R hhmm -E hhmm`: a start given as a time of day alone with an end before
 * it ends on the next day.
 */
export function endAfterStart(start: number, end: number, startIsTimeOfDay: boolean): number {
  return startIsTimeOfDay && end < start ? end + 86_400 : end;
}

/** Whether a -R value names only a time of day (`hhmm` or `hhmm.SS`). */
export function isTimeOfDay(value: string): boolean {
  return /^\d{4}(\.\d{2})?$/.test(value);
}
