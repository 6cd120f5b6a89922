// pbs_rstat's three forms, as OpenPBS's pbs_rstat prints them: -B the ids, -S (the default) one
// line each under a header printed once, -f every attribute; times in the local time zone.
import type { ReservationRecord } from '../../core/reservation-record.js';
import { left, right } from './units.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** PBS's state names, long (-f) and short (-S), by number. */
const LONG = [
  'RESV_NONE',
  'RESV_UNCONFIRMED',
  'RESV_CONFIRMED',
  'RESV_WAIT',
  'RESV_TIME_TO_RUN',
  'RESV_RUNNING',
  'RESV_FINISHED',
  'RESV_BEING_DELETED',
  'RESV_DELETED',
  'RESV_DELETING_JOBS',
  'RESV_DEGRADED',
  'RESV_BEING_ALTERED',
  'RESV_IN_CONFLICT',
];
const SHORT = ['NO', 'UN', 'CO', 'WT', 'TR', 'RN', 'FN', 'BD', 'DE', 'DJ', 'DG', 'AL', 'IC'];

/** strftime `%a %b %d %H:%M:%S %Y`, as pbs_rstat -f prints times. */
export function fullTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const time = [d.getHours(), d.getMinutes(), d.getSeconds()].map(two).join(':');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${time} ${d.getFullYear()}`;
}

function dayOfYear(d: Date): number {
  return Math.round(
    (Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 864e5,
  );
}

/** PBS's convert_time: `Today HH:MM`, `Www HH:MM` this week, `Www Mmm DD HH:MM` this year, else with the year. */
export function shortTime(epochSeconds: number, nowSeconds: number): string {
  const then = new Date(epochSeconds * 1000);
  const now = new Date(nowSeconds * 1000);
  const hm = `${two(then.getHours())}:${two(then.getMinutes())}`;
  const day = DAYS[then.getDay()];
  const date = `${MONTHS[then.getMonth()]} ${two(then.getDate())}`;
  if (then.getFullYear() !== now.getFullYear()) return `${day} ${date} ${then.getFullYear()} ${hm}`;
  const [t, n] = [dayOfYear(then), dayOfYear(now)];
  if (t === n) return `Today ${hm}`;
  if (t >= n - now.getDay() && t <= n + 6 - now.getDay()) return `${day} ${hm}`;
  return `${day} ${date} ${hm}`;
}

/** -B: `Resv ID: R12.server` each. */
export function formatBrief(records: ReservationRecord[]): string {
  return records.map((r) => `Resv ID: ${r.id}\n`).join('');
}

export const SHORT_HEADER = `${[left('Resv ID', 10, 10), left('Queue', 8, 8), left('User', 8, 8), left('State', 5, 5)].join(' ')} ${right('Start', 17, 17)} / Duration / ${left('End', 17, 17)}\n${'-'.repeat(69)}\n`;

/** -S: `%-10.10s %-8.8s %-8.8s %-5.5s %17.17s / %ld / %-17.17s` each (the header apart). */
export function formatShort(records: ReservationRecord[], nowSeconds: number): string {
  return records
    .map((r) => {
      const cols = [
        left(r.id, 10, 10),
        left(r.queue, 8, 8),
        left(r.authorizedUsers.join(','), 8, 8),
        left(SHORT[r.state] ?? String(r.state), 5, 5),
      ];
      const start = right(shortTime(r.start, nowSeconds), 17, 17);
      return `${cols.join(' ')} ${start} / ${r.duration} / ${left(shortTime(r.end, nowSeconds), 17, 17)}\n`;
    })
    .join('');
}

/** -f: `Resv ID: …`, then `name = value` in PBS's attribute order, then an empty line. */
export function formatFull(records: ReservationRecord[]): string {
  return records
    .map(
      (r) =>
        `Resv ID: ${r.id}\n${attributes(r)
          .map(([k, v]) => `${k} = ${v}\n`)
          .join('')}\n`,
    )
    .join('');
}

function attributes(r: ReservationRecord): [string, string][] {
  const out: [string, string][] = [
    ['Reserve_Name', r.name],
    ['Reserve_Owner', r.owner],
    ['reserve_state', LONG[r.state] ?? String(r.state)],
    ['reserve_substate', String(r.substate)],
    ['reserve_start', fullTime(r.start)],
    ['reserve_end', fullTime(r.end)],
    ['reserve_duration', String(r.duration)],
    ['queue', r.queue],
    ...Object.entries(r.resources).map(([k, v]): [string, string] => [`Resource_List.${k}`, v]),
  ];
  if (r.schedselect !== undefined) out.push(['schedselect', r.schedselect]);
  if (r.resvNodes !== undefined) out.push(['resv_nodes', r.resvNodes]);
  out.push(
    ['Authorized_Users', r.authorizedUsers.join(',')],
    ['server', r.server],
    ['ctime', fullTime(r.ctime)],
  );
  if (r.mailPoints !== undefined) out.push(['Mail_Points', r.mailPoints]);
  if (r.mailUsers !== undefined) out.push(['Mail_Users', r.mailUsers]);
  out.push(['mtime', fullTime(r.mtime)]);
  return out;
}
