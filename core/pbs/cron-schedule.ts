// Recurring schedules (the only module that imports cron-parser): the next tick of a cron
// expression strictly after a time, in the head's local time zone. Five fields (minute hour
// day month weekday), six with seconds first, or an alias such as @daily.
import { CronExpressionParser } from 'cron-parser';
import { ok, type Result, refuse } from '../errors.js';

/** The first tick after `after` (epoch seconds), or why the expression is refused. */
export function nextTick(expression: string, after: number): Result<number> {
  try {
    const interval = CronExpressionParser.parse(expression, {
      currentDate: new Date(after * 1000),
      strict: false,
    });
    return ok(Math.floor(interval.next().getTime() / 1000));
  } catch (e) {
    return refuse('USAGE', `illegal --cron value: ${expression} (${(e as Error).message})`, true);
  }
}

/** `C12.server`, the id of a recurring template (from the jobs' sequence counter). */
export const cronId = (seq: number, server: string) => `C${seq}.${server}`;

/** The sequence number of a cron id as typed (`C12`, `C12.server`), if it is one. */
export function cronSeq(operand: string): number | undefined {
  const m = /^C(\d{1,12})(\.[A-Za-z0-9_.-]+)?$/.exec(operand.trim());
  return m ? Number(m[1]) : undefined;
}
