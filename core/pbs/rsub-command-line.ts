// pbs_rsub's command line, as PBS's pbs_rsub reads it: -R and -E in PBS's datetime format
// (`[[[[CC]YY]MM]DD]hhmm[.SS]`, local time, read as qsub -a reads it), -D a duration that becomes
// the reservation's walltime, -l resources, -N, -U, -m, -M, -I. Standing (-r), maintenance
// (--hosts) and job reservations (--job, -W qmove) are refused. The head checks the window
// against its own clock (core/pbs/resv-window.ts).
import { ok, type Result, refuse } from '../errors.js';
import type { ResvRequest } from '../reservation-record.js';
import { parseDuration } from './duration.js';
import { parseExecutionTime } from './exec-time.js';
import { getopt, type ParsedOption } from './getopt.js';
import { parseResourceArgs, type ResourceEntry } from './resource-entries.js';
import { endAfterStart, isTimeOfDay } from './resv-window.js';

export const RSUB_USAGE = [
  'usage: pbs_rsub [-I seconds] [-m mail_points] [-M mail_list]',
  '                [-N reservation_name] [-u user_list] [-g group_list]',
  '                [-U auth_user_list] [-G auth_group_list] [-H auth_host_list]',
  '                [-R start_time] [-E end_time] [-D duration] [-q destination]',
  '                [-r rrule_expression] [-W otherattributes=value...]',
  '                -l resource_list | --hosts host1 [... hostn]',
  '       pbs_rsub --version',
].join('\n');

const bad = (message: string) => refuse<ResvRequest>('USAGE', message, true);
const unsupported = (what: string) =>
  refuse<ResvRequest>('NOT_SUPPORTED', `${what} are not supported by Drover; make an advance reservation`);

/** The request pbs_rsub sends, from its arguments and the submitting host's clock (epoch s). */
export function parseRsub(argv: string[], now: number): Result<ResvRequest> {
  const parsed = getopt(argv, 'D:E:I:l:m:M:N:q:r:R:u:U:g:G:H:W:', { long: ['hosts', 'job='] });
  if (parsed.error !== undefined) return bad(parsed.error);
  const req: ResvRequest = { resources: [] };
  const state = { startIsTimeOfDay: false };
  for (const option of parsed.options) {
    const problem = applyOption(req, option, now, state);
    if (problem) return problem;
  }
  if (parsed.operands.length > 0) return bad(`directive error: ${argv.map((a) => `${a} `).join('')}`);
  if (req.start !== undefined && req.end !== undefined)
    req.end = endAfterStart(req.start, req.end, state.startIsTimeOfDay);
  return ok(req);
}

function applyOption(
  req: ResvRequest,
  { letter, value = '' }: ParsedOption,
  now: number,
  state: { startIsTimeOfDay: boolean },
): Result<ResvRequest> | undefined {
  switch (letter) {
    case 'R':
    case 'E': {
      const t = parseExecutionTime(value, now);
      if (t === undefined) return bad(`illegal -${letter} time value`);
      if (letter === 'R') {
        req.start = t;
        state.startIsTimeOfDay = isTimeOfDay(value);
      } else req.end = t;
      return undefined;
    }
    case 'D':
      return parseDuration(value) === undefined
        ? bad('illegal -D value')
        : addEntries(req, [`walltime=${value}`]);
    case 'l':
      return addEntries(req, [value]);
    case 'I':
      if (!/^[-+]?\d+$/.test(value)) return bad('illegal -I time value');
      req.interactive = Number(value);
      return undefined;
    default:
      return textOption(req, letter, value);
  }
}

function addEntries(req: ResvRequest, values: string[]): Result<ResvRequest> | undefined {
  const entries = parseResourceArgs(values);
  if (!entries.ok) return bad('illegal -l value');
  req.resources.push(...(entries.value as ResourceEntry[]));
  return undefined;
}

function textOption(req: ResvRequest, letter: string, value: string): Result<ResvRequest> | undefined {
  switch (letter) {
    case 'N':
      if (!/^[\x21-\x7e]{1,230}$/.test(value)) return bad('illegal -N value');
      req.name = value;
      return undefined;
    case 'U':
      req.authorizedUsers = value.split(',').filter((u) => u !== '');
      return undefined;
    case 'm':
      req.mailPoints = value.trim();
      return undefined;
    case 'M':
      req.mailUsers = value;
      return undefined;
    case 'q':
      return value.startsWith('@') ? undefined : bad('illegal -q value: format "@server"');
    case 'W':
      if (value.trim() === '' || !/^\w+=/.test(value.trim())) return bad('illegal -W value');
      return /^qmove=/.test(value.trim()) ? unsupported('job-specific reservations (-W qmove)') : undefined;
    case 'r':
      return unsupported('standing reservations (-r)');
    case 'hosts':
      return unsupported('maintenance reservations (--hosts)');
    case 'job':
      return unsupported('job-specific reservations (--job)');
    case 'G':
    case 'H':
      return unsupported(`reservation group and host lists (-${letter})`);
    default:
      // -u and -g: "Not used" (pbs_rsub's manual)
      return undefined;
  }
}
