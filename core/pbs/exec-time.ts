// `-a [[[[CC]YY]MM]DD]hhmm[.SS]`: the job's Execution_Time, in the submitter's local time.
// Parts left out are taken from `now`; when the result is already past, the largest missing part
// rolls forward (no date: tomorrow; no month: next month; no year: next year).

const EXEC_TIME = /^(\d{4}|\d{6}|\d{8}|\d{10}|\d{12})(?:\.(\d{2}))?$/;

interface TimeFields {
  year?: number;
  month?: number;
  day?: number;
  hour: number;
  minute: number;
  second: number;
}

export function isExecutionTimeSyntax(value: string): boolean {
  return splitFields(value) !== undefined;
}

/** Epoch seconds for a `-a` value relative to `now` (epoch seconds), or undefined when bad. */
export function parseExecutionTime(value: string, now: number): number | undefined {
  const fields = splitFields(value);
  if (!fields) return undefined;
  const today = new Date(now * 1000);
  const year = fields.year ?? today.getFullYear();
  const month = fields.month ?? today.getMonth() + 1;
  const day = fields.day ?? today.getDate();
  const first = localTime(year, month, day, fields);
  if (first !== undefined && first >= now) return first;
  if (first === undefined && fields.year !== undefined) return undefined;
  return rollForward(fields, { year, month, day }, now);
}

/** Digits read from the right: hhmm, then DD, MM, YY, CC; undefined when out of range. */
function splitFields(value: string): TimeFields | undefined {
  const match = EXEC_TIME.exec(value);
  if (!match) return undefined;
  const digits = match[1] as string;
  const pairs = (digits.match(/\d\d/g) as string[]).map(Number).reverse();
  const [minute = 0, hour = 0, day, month, yy, cc] = pairs;
  const fields: TimeFields = { hour, minute, second: Number(match[2] ?? '0') };
  if (day !== undefined) fields.day = day;
  if (month !== undefined) fields.month = month;
  if (yy !== undefined) fields.year = (cc ?? (yy < 69 ? 20 : 19)) * 100 + yy;
  return inRange(fields) ? fields : undefined;
}

function inRange(f: TimeFields): boolean {
  const dayOk = f.day === undefined || (f.day >= 1 && f.day <= 31);
  const monthOk = f.month === undefined || (f.month >= 1 && f.month <= 12);
  return f.hour <= 23 && f.minute <= 59 && f.second <= 59 && dayOk && monthOk;
}

/** Epoch seconds of a local date and time; undefined when the day does not exist in the month. */
function localTime(year: number, month: number, day: number, f: TimeFields): number | undefined {
  const date = new Date(year, month - 1, day, f.hour, f.minute, f.second);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) {
    return undefined;
  }
  return Math.floor(date.getTime() / 1000);
}

type Day = { year: number; month: number; day: number };

function rollForward(f: TimeFields, start: Day, now: number): number | undefined {
  if (f.day === undefined) {
    const tomorrow = new Date(start.year, start.month - 1, start.day + 1);
    return localTime(tomorrow.getFullYear(), tomorrow.getMonth() + 1, tomorrow.getDate(), f);
  }
  for (let step = 1; step <= 8 && f.year === undefined; step++) {
    const next = f.month === undefined ? nextMonth(start, step) : { ...start, year: start.year + step };
    const time = localTime(next.year, next.month, next.day, f);
    if (time !== undefined && time >= now) return time;
  }
  // A fully given date in the past stays as it is: the job is eligible at once.
  return localTime(start.year, start.month, start.day, f);
}

function nextMonth(start: Day, step: number): Day {
  const index = start.month - 1 + step;
  return { year: start.year + Math.floor(index / 12), month: (index % 12) + 1, day: start.day };
}
