// Torque compatibility mode: finished jobs stay visible as C for
// keep_completed seconds, `qstat -x` prints XML, `exit_status` is lowercase, and the default
// table has Torque's header and column widths.
import { formatDuration as hms } from '../../core/pbs/duration.js';
import type { JobRecord } from '../../core/record-types.js';
import { jobAttributes } from './job-attributes.js';
import { left, right, star } from './units.js';

/**
 * What Torque shows: unfinished jobs, and jobs finished within `keepCompleted` seconds as C.
 * Torque has no B or X: a begun array shows R, a finished subjob C.
 */
export function torqueView(jobs: JobRecord[], now: number, keepCompleted: number): JobRecord[] {
  return jobs.flatMap((j) => {
    if (j.state === 'B') return [{ ...j, state: 'R' as const }];
    if (j.state === 'X') return [{ ...j, state: 'C' as const }];
    if (j.state !== 'F') return [j];
    return (j.obittime ?? 0) >= now - keepCompleted ? [{ ...j, state: 'C' as const }] : [];
  });
}

/** Torque's attribute names where they differ from PBS Pro's. */
export function torqueAttributes(job: JobRecord): [string, string][] {
  return jobAttributes(job).map(([name, value]) => [name === 'Exit_status' ? 'exit_status' : name, value]);
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

/** Attributes as XML elements; `Resource_List.walltime` nests as `<Resource_List><walltime>`. */
function jobXml(job: JobRecord): string {
  type Group = { group: string; items: [string, string][] };
  const parts: (string | Group)[] = [element('Job_Id', job.id)];
  const groups = new Map<string, Group>();
  for (const [name, value] of torqueAttributes(job)) {
    const dot = name.indexOf('.');
    if (dot < 0) {
      parts.push(element(name, value));
      continue;
    }
    const key = name.slice(0, dot);
    let group = groups.get(key);
    if (!group) {
      group = { group: key, items: [] };
      groups.set(key, group);
      parts.push(group);
    }
    group.items.push([name.slice(dot + 1), value]);
  }
  const text = (p: string | Group) =>
    typeof p === 'string' ? p : `<${p.group}>${p.items.map(([n, v]) => element(n, v)).join('')}</${p.group}>`;
  return `<Job>${parts.map(text).join('')}</Job>`;
}

/** `qstat -x` in Torque mode: `<Data><Job>…</Job>…</Data>` on one line. */
export function formatTorqueXml(jobs: JobRecord[]): string {
  return `<Data>${jobs.map(jobXml).join('')}</Data>\n`;
}

const HEADER =
  'Job ID                    Name             User            Time Use S Queue\n' +
  '------------------------- ---------------- --------------- -------- - -----\n';

/** Torque's default table: id 25 wide, user 15, the same columns otherwise. */
export function formatTorqueTable(jobs: JobRecord[]): string {
  if (jobs.length === 0) return '';
  const row = (j: JobRecord) => {
    const time = j.usage ? hms(j.usage.cput) : '0';
    const user = j.owner.split('@')[0]!;
    return `${left(star(j.id, 25), 25)} ${left(star(j.name, 16), 16)} ${left(star(user, 15), 15)} ${right(star(time, 8), 8)} ${j.state} ${star(j.queue, 16)}\n`;
  };
  return HEADER + jobs.map(row).join('');
}
