// `qstat --cron`: the recurring templates, one a line (Drover's own table).
import { ctime } from '../../core/pbs/time-format.js';
import type { CronRecord } from '../../core/record-types.js';
import { left, right, star } from './units.js';

const HEADER =
  'Cron id          Name             User     Schedule         Next run                 Runs Last job\n' +
  '---------------- ---------------- -------- ---------------- ------------------------ ---- ----------------\n';

function row(c: CronRecord): string {
  const cols = [
    left(star(c.id, 16), 16),
    left(star(c.name, 16), 16),
    left(star(c.owner.split('@')[0]!, 8), 8),
    left(star(c.schedule, 16), 16),
    left(ctime(c.nextAt), 24),
    right(String(c.runs), 4),
    c.lastJob ?? '--',
  ];
  return `${cols.join(' ')}\n`;
}

/** The table, or nothing when there are no templates. */
export function formatCrons(crons: CronRecord[]): string {
  return crons.length === 0 ? '' : HEADER + crons.map(row).join('');
}
