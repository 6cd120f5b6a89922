// pbs_rstat: the reservations (all, or those named) in PBS's short form (-S, the default), brief
// (-B) or full (-f, -F). An unknown id is said on stderr and the others are shown; exit 0.
import type { Refusal } from '../core/errors.js';
import { getopt } from '../core/pbs/getopt.js';
import type { ReservationRecord } from '../core/reservation-record.js';
import { VERSION } from '../platform/version.js';
import { bodyOf } from './api-errors.js';
import { api } from './client.js';
import { printError, runCommand } from './command.js';
import { formatBrief, formatFull, formatShort, SHORT_HEADER } from './format/rstat-output.js';

const USAGE = 'Usage:\n\tpbs_rstat [-fFBS] [reservation-id]\n\tpbs_rstat --version\n';

type Form = 'full' | 'brief' | 'short';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 'fFBS');
  if (parsed.error !== undefined) {
    printError('pbs_rstat', parsed.error);
    process.stderr.write(USAGE);
    return 1;
  }
  let form: Form = 'short';
  for (const o of parsed.options) form = o.letter === 'B' ? 'brief' : o.letter === 'S' ? 'short' : 'full';
  const { results } = bodyOf(
    await api<{ results: { records: ReservationRecord[]; error?: Refusal }[] }>(
      'POST',
      '/v1/reservations/query',
      {
        operands: parsed.operands,
      },
    ),
  );
  const now = Math.floor(Date.now() / 1000);
  let header = false;
  for (const r of results) {
    if (r.error) printError('pbs_rstat', r.error.message);
    if (r.records.length === 0) continue;
    if (form === 'brief') process.stdout.write(formatBrief(r.records));
    else if (form === 'full') process.stdout.write(formatFull(r.records));
    else {
      process.stdout.write(`${header ? '' : SHORT_HEADER}${formatShort(r.records, now)}`);
      header = true;
    }
  }
  return 0;
}

runCommand('pbs_rstat', main);
