// A run's resources_used as PBS prints them, one `resources_used.NAME` and its value per entry, in
// PBS's order: what `qstat -f` shows (cli/format/job-attributes.ts) and the lines of a job's end
// mail (core/pbs/job-mail.ts).
import type { ResourceUsage } from '../record-types.js';
import { formatDuration } from './duration.js';
import { formatKb } from './size.js';

export function resourcesUsed(u: ResourceUsage): [string, string][] {
  return [
    ['resources_used.cpupercent', String(Math.round(u.cpupercent))],
    ['resources_used.cput', formatDuration(u.cput)],
    ['resources_used.mem', formatKb(u.mem)],
    ['resources_used.ncpus', String(u.ncpus)],
    ['resources_used.vmem', formatKb(u.vmem)],
    ['resources_used.walltime', formatDuration(u.walltime)],
  ];
}
