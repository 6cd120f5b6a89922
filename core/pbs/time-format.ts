// Times as PBS prints them, in local time: C ctime() format without the trailing newline, and
// the `Www Mmm DD at HH:MM` stamp of run comments.

const DAYS = 'SunMonTueWedThuFriSat';
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** `Mon Jan  1 12:00:00 2024`: the day of the month padded with a space to width 2. */
export function ctime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const day = DAYS.slice(d.getDay() * 3, d.getDay() * 3 + 3);
  const month = MONTHS.slice(d.getMonth() * 3, d.getMonth() * 3 + 3);
  const date = String(d.getDate()).padStart(2, ' ');
  const time = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0'));
  return `${day} ${month} ${date} ${time.join(':')} ${d.getFullYear()}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** `Www Mmm DD at HH:MM`, as PBS writes it in run comments. */
export function runStamp(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const day = DAYS.slice(d.getDay() * 3, d.getDay() * 3 + 3);
  const month = MONTHS.slice(d.getMonth() * 3, d.getMonth() * 3 + 3);
  return `${day} ${month} ${two(d.getDate())} at ${two(d.getHours())}:${two(d.getMinutes())}`;
}
