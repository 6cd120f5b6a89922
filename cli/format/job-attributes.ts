// The attribute list `qstat -f` prints for a job, in PBS's attribute-definition order
//. Only attributes that are set appear; every value is a display string.

import { resourcesUsed } from '../../core/pbs/resources-used.js';
import { formatKb as kb } from '../../core/pbs/size.js';
import { ctime } from '../../core/pbs/time-format.js';
import type { JobRecord } from '../../core/record-types.js';

type Attribute = [string, string];
type Source = (job: JobRecord) => Attribute[];

const EXEC_TAG = 'jsdl-hpcpa:Executable';
const ARG_TAG = 'jsdl-hpcpa:Argument';

/** One attribute, left out when the value is undefined or empty. */
function one(name: string, get: (job: JobRecord) => string | number | undefined): Source {
  return (job) => {
    const value = get(job);
    return value === undefined || value === '' ? [] : [[name, String(value)]];
  };
}

function at(epochSeconds: number | undefined): string | undefined {
  return epochSeconds === undefined ? undefined : ctime(epochSeconds);
}

function resourceList(list: Record<string, string>): Attribute[] {
  const names = Object.keys(list).sort((a, b) => compareFolded(a, b));
  return names.map((name) => [`Resource_List.${name}`, list[name] ?? '']);
}

function compareFolded(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `NAME=value,...`; a comma inside a value is escaped as `\,`. */
export function variableList(variables: [string, string][]): string {
  return variables.map(([name, value]) => `${name}=${value.replace(/,/g, '\\,')}`).join(',');
}

function executable(job: JobRecord): Attribute[] {
  const exe = job.spec.executable;
  if (exe === undefined || exe === '') return [];
  const args = (job.spec.argv ?? []).map((arg) => `<${ARG_TAG}>${arg}</${ARG_TAG}>`).join('');
  const out: Attribute[] = [['executable', `<${EXEC_TAG}>${exe}</${EXEC_TAG}>`]];
  if (args !== '') out.push(['argument_list', args]);
  return out;
}

const SOURCES: Source[] = [
  one('Job_Name', (j) => j.name),
  one('Job_Owner', (j) => j.owner),
  (j) => (j.usage ? resourcesUsed(j.usage) : []),
  one('job_state', (j) => j.state),
  one('queue', (j) => j.queue),
  one('server', (j) => j.server),
  one('Account_Name', (j) => j.spec.account),
  one('Checkpoint', (j) => j.spec.checkpoint),
  one('ctime', (j) => ctime(j.ctime)),
  one('depend', (j) => j.spec.depend),
  one('Error_Path', (j) => j.errorPath),
  one('exec_host', (j) => j.execHost),
  one('exec_vnode', (j) => j.execVnode),
  one('Execution_Time', (j) => at(j.spec.executionTime)),
  one('Hold_Types', (j) => j.holdTypes),
  one('interactive', (j) => (j.spec.interactive ? 'True' : undefined)),
  one('Join_Path', (j) => j.spec.join),
  one('Keep_Files', (j) => j.spec.keepFiles),
  one('Mail_Points', (j) => j.spec.mailPoints),
  one('Mail_Users', (j) => j.spec.mailUsers),
  one('mtime', (j) => ctime(j.mtime)),
  one('Output_Path', (j) => j.outputPath),
  one('Priority', (j) => j.spec.priority),
  one('qtime', (j) => ctime(j.qtime)),
  one('Rerunable', (j) => (j.spec.rerunable ? 'True' : 'False')),
  (j) => resourceList(j.spec.resources.list),
  one('stime', (j) => at(j.stime)),
  one('obittime', (j) => at(j.obittime)),
  one('session_id', (j) => j.sessionId),
  one('Shell_Path_List', (j) => j.spec.shell),
  one('substate', (j) => j.substate),
  one('User_List', (j) => j.spec.userList),
  one('Variable_List', (j) => variableList(j.spec.variables)),
  one('comment', (j) => j.comment),
  one('etime', (j) => at(j.etime)),
  one('run_count', (j) => j.runCount),
  one('checkpoint_count', (j) => j.checkpoint?.count),
  one('checkpoint_time', (j) => at(j.checkpoint?.at)),
  one('checkpoint_size', (j) => (j.checkpoint ? kb(j.checkpoint.size) : undefined)),
  one('estimated.start_time', (j) => at(j.estimatedStart)),
  one('Exit_status', (j) => j.exitStatus),
  one('Submit_arguments', (j) => j.spec.submitArgs),
  executable,
  one('array', (j) => (j.array ? 'True' : undefined)),
  one('array_id', (j) => j.arrayId),
  one('array_index', (j) => j.arrayIndex),
  one('array_state_count', (j) => j.array && stateCount(j.array.stateCount)),
  one('array_indices_submitted', (j) => j.array?.submitted),
  one('array_indices_remaining', (j) => (j.array ? j.array.remaining || '-' : undefined)),
  one('project', (j) => j.spec.project),
  one('Submit_Host', (j) => j.spec.submitHost),
  one('max_run_subjobs', (j) => j.array?.maxRun),
];

function stateCount(c: NonNullable<JobRecord['array']>['stateCount']): string {
  return `Queued:${c.Queued} Running:${c.Running} Exiting:${c.Exiting} Expired:${c.Expired}`;
}

/** The `qstat -f` attributes of one job as `[name, value]` pairs, e.g. `['Rerunable', 'True']`. */
export function jobAttributes(job: JobRecord): [string, string][] {
  return SOURCES.flatMap((source) => source(job));
}
