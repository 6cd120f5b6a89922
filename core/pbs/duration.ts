// PBS time values (walltime, cput, pcput): `[[HH:]MM:]SS[.fff]` in, `HH:MM:SS` out.

const WHOLE_FIELD = /^\d+$/;
const SECONDS_FIELD = /^(\d*)(?:\.(\d*))?$/;

/**
 * Seconds in a PBS duration, or undefined when malformed. Fields may exceed their normal
 * range (`90:00` = 5400), at most two colons, digits only; a fraction of .5 or more rounds up.
 */
export function parseDuration(s: string): number | undefined {
  const fields = s.split(':');
  if (fields.length > 3) return undefined;
  const seconds = parseSecondsField(fields.pop() as string);
  if (seconds === undefined) return undefined;
  let total = 0;
  for (const field of fields) {
    if (!WHOLE_FIELD.test(field)) return undefined;
    total = total * 60 + Number(field);
  }
  return total * 60 + seconds;
}

function parseSecondsField(field: string): number | undefined {
  const match = SECONDS_FIELD.exec(field);
  if (!match) return undefined;
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const roundUp = fraction !== '' && Number(fraction[0]) >= 5 ? 1 : 0;
  return Number(whole || '0') + roundUp;
}

/** `HH:MM:SS`, hours zero-padded to two digits and allowed to exceed 99. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return `${pad2(hours)}:${pad2(minutes)}:${pad2(total % 60)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
