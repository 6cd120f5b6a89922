// qstat's job tables: the default format and the alternate `-a` format,
// column for column as OpenPBS's qstat prints them.

import { formatDuration as hms } from '../../core/pbs/duration.js';
import type { JobRecord } from '../../core/record-types.js';
import { left, memoryColumn, right, star } from './units.js';

const HEADER =
  'Job id            Name             User              Time Use S Queue\n' +
  '----------------  ---------------- ----------------  -------- - -----\n';
const WIDE_HEADER =
  'Job id                         Name            User             Time Use S Queue\n' +
  '-----------------------------  --------------- ---------------  -------- - ---------------\n';

const NARROW = { id: 17, name: 16, user: 16, queue: 16 };
const WIDE = { id: 30, name: 15, user: 15, queue: 15 };

/** The id cut after the first label of the server name: `123.host.example.com` → `123.host`. */
export function shortJobId(id: string): string {
  const first = id.indexOf('.');
  if (first < 0) return id;
  const second = id.indexOf('.', first + 1);
  return second < 0 ? id : id.slice(0, second);
}

/** `alice@host` → `alice`. */
function userName(owner: string): string {
  const at = owner.indexOf('@');
  return at < 0 ? owner : owner.slice(0, at);
}

function defaultRow(job: JobRecord, w: typeof NARROW): string {
  const id = star(shortJobId(job.id), w.id);
  // qstat cuts the name one character earlier than the other columns (`>=` instead of `>`).
  const name = job.name.length >= w.name ? `${job.name.slice(0, w.name - 1)}*` : job.name;
  const user = star(userName(job.owner), w.user);
  const time = star(job.usage ? hms(job.usage.cput) : '0', 8);
  const queue = star(job.queue, w.queue);
  return `${left(id, w.id)} ${left(name, w.name)} ${left(user, w.user)}  ${right(time, 8)} ${job.state} ${left(queue, w.queue)}\n`;
}

/** Default format: header once, then one row per job; no jobs, no output at all. */
export function formatDefault(jobs: JobRecord[], opts: { wide?: boolean }): string {
  if (jobs.length === 0) return '';
  const w = opts.wide ? WIDE : NARROW;
  return (opts.wide ? WIDE_HEADER : HEADER) + jobs.map((job) => defaultRow(job, w)).join('');
}

// ---- alternate format (-a, -n, -s, -1, -T) ----------------------------------------------------

export interface AlternateOptions {
  server: string;
  /** -n: exec_host on the next line(s) */
  nodes?: boolean;
  /** -s: the job comment on the next line */
  comments?: boolean;
  /** -1: -n / -s output on the same line as the row */
  oneLine?: boolean;
  /** -T: estimated start time instead of elapsed time */
  estimated?: boolean;
  /** epoch seconds, for the -T column (default: the clock) */
  now?: number;
}

const DAYS = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The -T column (5 wide): `HH:MM` today, `Dy HH` within a week, else the month. */
export function startColumn(at: number, now: number): string {
  const d = new Date(at * 1000);
  const today = new Date(now * 1000);
  const hh = String(d.getHours()).padStart(2, '0');
  if (d.toDateString() === today.toDateString()) return `${hh}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (Math.abs(at - now) < 6 * 86400) return `${DAYS[d.getDay()]} ${hh}`;
  return MONTHS[d.getMonth()]!;
}

const BLANK = ' -- ';
const COMMENT_SCOPE = 74;
const COMMENT_KEEP = 71;
const NODE_LINE_LIMIT = 77;

function alternateHeader(opts: AlternateOptions): string {
  const over = opts.estimated
    ? `${' '.repeat(75)}Est\n${' '.repeat(60)}Req'd  Req'd   Start\n`
    : `${' '.repeat(60)}Req'd  Req'd   Elap\n`;
  return (
    `\n${opts.server}: \n${over}` +
    'Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time\n' +
    '--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----\n'
  );
}

/** Req'd Time and Elap Time: walltime, or cput when cput was requested. */
function times(job: JobRecord, estimated: number | undefined): [string, string] {
  const list = job.spec.resources.list;
  const useCput = list.cput !== undefined;
  const requested = (useCput ? list.cput : list.walltime) ?? BLANK;
  if (estimated !== undefined) {
    const start = job.state === 'R' ? job.stime : job.estimatedStart;
    return [requested, start === undefined ? '--' : startColumn(start, estimated)];
  }
  const used = job.usage ? (useCput ? job.usage.cput : job.usage.walltime) : undefined;
  return [requested, used === undefined ? BLANK : hms(used)];
}

/** `estimated`: the clock (epoch seconds) when -T asks for start times instead of elapsed ones. */
function alternateRow(job: JobRecord, estimated: number | undefined): string {
  const list = job.spec.resources.list;
  const sess = job.sessionId === undefined ? BLANK : star(String(job.sessionId), 6);
  const nds = list.nodect === undefined ? BLANK : star(list.nodect, 3);
  const tsk = list.ncpus === undefined || list.ncpus === '0' ? BLANK : star(list.ncpus, 3);
  const mem = list.mem === undefined ? BLANK : memoryColumn(list.mem);
  const [requested, elapsed] = times(job, estimated);
  const cols = [
    left(star(job.id, 15), 15, 15),
    left(star(userName(job.owner), 8), 8, 8),
    left(star(job.queue, 8), 8, 8),
    left(star(job.name, 10), 10, 10),
    right(sess, 6, 6),
    right(nds, 3, 3),
    right(tsk, 3, 3),
    right(mem, 6, 6),
    right(requested, 5, 5),
    right(job.state, 1, 1),
    right(elapsed, 5, 5),
  ];
  return cols.join(' ');
}

/** A host name without its domain; IPv4 addresses stay whole. */
function stripDomain(chunk: string): string {
  const slash = chunk.indexOf('/');
  const host = slash < 0 ? chunk : chunk.slice(0, slash);
  const rest = slash < 0 ? '' : chunk.slice(slash);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host + rest;
  return (host.split('.')[0] ?? host) + rest;
}

/** `-n`: exec_host with domains stripped, `   `-indented lines of under 78 columns broken at `+`. */
export function nodeLines(execHost: string, oneLine: boolean): string {
  const chunks = execHost
    .split('+')
    .filter((c) => c !== '')
    .map(stripDomain);
  let out = '';
  let line = '';
  for (const chunk of chunks) {
    if (line !== '' && line.length + chunk.length >= NODE_LINE_LIMIT) {
      out += oneLine ? line : `   ${line}\n`;
      line = '';
    }
    line += `${chunk}+`;
  }
  if (line !== '') return out + (oneLine ? `${line.slice(0, -1)}\n` : `   ${line.slice(0, -1)}\n`);
  return oneLine ? `${out}\n` : out;
}

/** `-s`: the comment, cut to 74 columns (71 characters and `...`). */
function commentLine(comment: string | undefined): string {
  const text = comment ?? BLANK;
  if (text === '') return '';
  const shown = text.length > COMMENT_SCOPE ? `${text.slice(0, COMMENT_KEEP)}...` : text;
  return `   ${shown}\n`;
}

function alternateEntry(job: JobRecord, opts: AlternateOptions): string {
  const oneLine = opts.oneLine === true && (opts.nodes === true || opts.comments === true);
  const clock = opts.estimated ? (opts.now ?? Math.floor(Date.now() / 1000)) : undefined;
  let out = alternateRow(job, clock) + (oneLine ? ' ' : '\n');
  if (opts.nodes) out += nodeLines(job.execHost ?? BLANK, oneLine);
  if (opts.comments) out += commentLine(job.comment);
  return out.endsWith('\n') ? out : `${out}\n`;
}

/** Alternate format: blank line, `<server>: `, two header lines and dashes, then the rows. */
export function formatAlternate(jobs: JobRecord[], opts: AlternateOptions): string {
  if (jobs.length === 0) return '';
  return alternateHeader(opts) + jobs.map((job) => alternateEntry(job, opts)).join('');
}
