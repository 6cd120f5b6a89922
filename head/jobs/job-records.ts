// A stored job as the commands see it (core/record-types.ts JobRecord).
import { shownState as suspendedState } from '../../core/lifecycle/suspend-resume.js';
import { formatIndices } from '../../core/pbs/array-indices.js';
import type { JobRecord } from '../../core/record-types.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { arraySummary } from './arrays.js';

/** A finished subjob shows X while its array lives; a suspended job S. */
function shownState(job: StoredJob) {
  return job.row.state === 'F' && job.kind === 'subjob' && job.parentState !== 'F'
    ? 'X'
    : suspendedState(job.row);
}

export function toJobRecord(
  job: StoredJob,
  server: string,
  brief = false,
  summary?: ReturnType<typeof arraySummary>,
): JobRecord {
  const row = job.row;
  const record: JobRecord = {
    id: job.id,
    seq: job.kind === 'subjob' ? Number(job.id.slice(0, job.id.indexOf('['))) : job.seq,
    state: shownState(job),
    substate: row.substate,
    owner: job.owner,
    name: row.name,
    queue: job.queue,
    server,
    spec: {
      ...job.spec,
      name: row.name,
      priority: row.priority,
      resources: row.resources,
      ...(brief ? { variables: [] } : {}),
    },
    holdTypes: row.holdTypes,
    outputPath: job.outputPath,
    errorPath: job.errorPath,
    ctime: job.ctime,
    qtime: row.qtime,
    mtime: row.mtime,
    runCount: row.runCount,
  };
  if (row.executionTime !== undefined) record.spec.executionTime = row.executionTime;
  else delete record.spec.executionTime;
  addRunFacts(record, row);
  addArrayFacts(record, job, summary);
  if (row.state === 'Q' && job.estimatedStart !== undefined) record.estimatedStart = job.estimatedStart;
  // a preempted job says so until it runs again, rather than why it waits
  const comment = row.state === 'Q' && job.schedComment && !row.preempted ? job.schedComment : row.comment;
  if (comment !== undefined) record.comment = comment;
  const usage = job.usage ?? row.usage;
  if (usage && (row.state === 'R' || row.state === 'E' || row.state === 'F')) record.usage = usage;
  return record;
}

/** What the job's runs left in its row: times, where it ran, its session, status and checkpoint. */
function addRunFacts(record: JobRecord, row: StoredJob['row']): void {
  const optional = {
    etime: row.etime,
    stime: row.stime,
    obittime: row.obittime,
    execHost: row.execHost,
    execVnode: row.execVnode,
    sessionId: row.sessionId,
    exitStatus: row.exitStatus,
  };
  for (const [k, v] of Object.entries(optional))
    if (v !== undefined) (record as unknown as Record<string, unknown>)[k] = v;
  if (row.checkpoint) record.checkpoint = row.checkpoint;
}

/** A subjob's array and index; an array's summary of its subjobs. */
function addArrayFacts(record: JobRecord, job: StoredJob, summary?: ReturnType<typeof arraySummary>): void {
  if (job.kind === 'subjob') {
    record.arrayId = job.id.replace(/\[\d+\]/, '[]');
    record.arrayIndex = job.arrayIndex!;
  }
  if (summary && job.spec.array) {
    record.array = {
      submitted: job.spec.array.submitted,
      remaining: formatIndices(summary.remaining),
      stateCount: summary.stateCount,
      ...(job.spec.array.maxRun !== undefined ? { maxRun: job.spec.array.maxRun } : {}),
    };
  }
}
