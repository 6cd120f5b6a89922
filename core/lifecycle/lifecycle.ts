// The job lifecycle: one pure reducer over the append-only event log (docs/architecture.md).
// Everything that changes a job goes through applyEvent; replaying a job's events from
// `initialRow` reproduces its row. The row and the events are defined in job-events.ts.
import { ok, type Result, refuse } from '../errors.js';
import { ctime, runStamp } from '../pbs/time-format.js';
import { PREEMPT_WORDS } from '../scheduling/preempt-order.js';
import type { JobChanges, JobEvent, JobRow, TimedEvent } from './job-events.js';
import { EXIT, type JobState, SUBSTATE } from './states.js';
import { applySuspension } from './suspend-resume.js';

const sec = (ms: number) => Math.floor(ms / 1000);

/** The row a `queued` event creates. */
export function initialRow(event: Extract<TimedEvent, { type: 'queued' }>): JobRow {
  const now = sec(event.at);
  const row: JobRow = {
    state: 'Q',
    substate: SUBSTATE.Q!,
    holdTypes: event.hold ? 'u' : 'n',
    name: event.name,
    priority: event.priority,
    resources: event.resources,
    qtime: now,
    mtime: now,
    attempt: 0,
    runCount: 0,
  };
  if (event.executionTime !== undefined) row.executionTime = event.executionTime;
  if (event.array) row.isArray = true;
  const settled = settle(row, now);
  // eligible from the moment it is queued without a hold or a start time (PBS sets etime at qsub)
  if (settled.state === 'Q') settled.etime = now;
  return settled;
}

/** Q, H or W for a job that is not running: held beats waiting; a begun array B. */
function settle(row: JobRow, now: number): JobRow {
  let state: JobState = 'Q';
  if (row.holdTypes !== 'n') state = 'H';
  else if (row.executionTime !== undefined && row.executionTime > now) state = 'W';
  else if (row.arrayBegun) state = 'B';
  const next = { ...row, state, substate: SUBSTATE[state]! };
  if (state === 'Q' && row.state !== 'Q') next.etime = now;
  return next;
}

const addHolds = (have: string, add: string) => {
  const set = new Set((have === 'n' ? '' : have) + add);
  return ['u', 'o', 's', 'p'].filter((h) => set.has(h)).join('') || 'n';
};
const removeHolds = (have: string, remove: string) =>
  have === 'n' ? 'n' : [...have].filter((h) => !remove.includes(h)).join('') || 'n';

const WAITING: readonly JobState[] = ['Q', 'H', 'W'];
/** where an array's parent may be: waiting, or begun */
const ARRAY_LIVE: readonly JobState[] = ['Q', 'H', 'W', 'B'];
const DEPEND_COMMENT = 'Not Running: Waiting for dependency';

function refuseState(row: JobRow, type: string): Result<JobRow> {
  return refuse('BAD_STATE', `Request invalid for state of job (${type} in state ${row.state})`);
}

/** Apply one event to a job's row, or refuse an illegal transition. */
export function applyEvent(row: JobRow, event: TimedEvent): Result<JobRow> {
  const now = sec(event.at);
  const base = { ...row, mtime: now };
  switch (event.type) {
    case 'queued':
      return refuse('BAD_STATE', 'job already exists');
    case 'held': {
      if (row.state === 'F' || row.state === 'E') return refuseState(row, event.type);
      const held = {
        ...base,
        holdTypes: addHolds(row.holdTypes, event.types),
        // PBS names the user alone (the request's user), not user@host
        comment: `Job held by ${event.by.split('@')[0]} on ${ctime(now)}`,
      };
      return ok(ARRAY_LIVE.includes(row.state) ? settle(held, now) : held);
    }
    case 'released': {
      if (row.state === 'F' || row.state === 'E') return refuseState(row, event.type);
      const released = { ...base, holdTypes: removeHolds(row.holdTypes, event.types) };
      // the hold comment goes once every hold is released
      if (released.holdTypes === 'n' && released.comment?.startsWith('Job held by ')) delete released.comment;
      return ok(ARRAY_LIVE.includes(row.state) ? settle(released, now) : released);
    }
    case 'array_begun':
      if (!row.isArray || !ARRAY_LIVE.includes(row.state)) return refuseState(row, event.type);
      return ok(settle({ ...base, arrayBegun: true, runCount: 1, stime: row.stime ?? now }, now));
    case 'array_ended': {
      if (!row.isArray || !ARRAY_LIVE.includes(row.state)) return refuseState(row, event.type);
      const ended: JobRow = { ...base, state: 'F', substate: event.substate, obittime: now };
      if (event.status !== undefined) ended.exitStatus = event.status;
      return ok(ended);
    }
    case 'eligible':
      if (row.state !== 'W') return refuseState(row, event.type);
      return ok(settle(base, now));
    case 'altered':
      return alter(base, event.changes, now);
    case 'moved': {
      if (!WAITING.includes(row.state)) return refuseState(row, event.type);
      // it entered its new queue now (qtime), and is eligible from now on there (etime, PBS)
      const moved: JobRow = { ...base, qtime: now, resources: event.resources ?? row.resources };
      if (row.state === 'Q') moved.etime = now;
      return ok(moved);
    }
    case 'run':
      if (row.state !== 'Q') return refuseState(row, event.type);
      return ok(run(base, event, now));
    case 'started':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok({ ...base, sessionId: event.sessionId });
    case 'requeued':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok(settle(requeue(base, event.reason), now));
    case 'delete_requested':
      if (row.state !== 'R') return refuseState(row, event.type);
      return ok({ ...base, deleteRequestedBy: event.by });
    case 'rerun_requested':
      if (row.state !== 'R') return refuseState(row, event.type);
      return ok({ ...base, rerunRequestedBy: event.by });
    case 'preempted':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok({
        ...base,
        preempted: { method: event.method, for: event.for },
        comment: `Job preempted by ${PREEMPT_WORDS[event.method]}`,
      });
    case 'signalled':
      return row.state === 'R' ? ok(base) : refuseState(row, event.type);
    case 'suspended':
    case 'resume_requested':
    case 'resumed':
      return applySuspension(base, event, now);
    case 'purge_requested':
      if (row.state === 'F' || row.state === 'E') return refuseState(row, event.type);
      return ok({ ...base, purgeRequestedBy: event.by });
    case 'fenced':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok(base);
    case 'checkpointed':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok({ ...base, checkpoint: { count: event.count, at: now, size: event.size } });
    case 'deleted': {
      if (!WAITING.includes(row.state) || row.isArray) return refuseState(row, event.type);
      const substate = event.aborted ? SUBSTATE.finished! : SUBSTATE.terminated!;
      const gone: JobRow = { ...base, state: 'F', substate, obittime: now };
      if (event.reason) gone.comment = event.reason;
      return ok(gone);
    }
    case 'depend_hold': {
      if (!WAITING.includes(row.state)) return refuseState(row, event.type);
      const holdTypes = addHolds(row.holdTypes, 's');
      const held = settle({ ...base, holdTypes, comment: DEPEND_COMMENT, dependHold: true }, now);
      return ok({ ...held, substate: SUBSTATE.dependHold! });
    }
    case 'depend_released': {
      if (!WAITING.includes(row.state)) return refuseState(row, event.type);
      const released = { ...base, holdTypes: removeHolds(row.holdTypes, 's') };
      delete released.dependHold;
      if (released.comment === DEPEND_COMMENT) delete released.comment;
      return ok(settle(released, now));
    }
    case 'exited':
      if (row.state !== 'R' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok(exited(base, event));
    case 'finished':
      if (row.state !== 'E' || row.attempt !== event.attempt) return refuseState(row, event.type);
      return ok(finished(base, now));
    case 'failed': {
      if (row.state === 'F' || row.isArray) return refuseState(row, event.type);
      const failed: JobRow = { ...base, state: 'F', substate: SUBSTATE.failed!, obittime: now };
      return ok({ ...failed, exitStatus: event.status, comment: event.reason });
    }
    case 'head_takeover':
    case 'depend_settled':
      return ok(row);
    case 'resubmitted': {
      if (row.state !== 'F') return refuseState(row, event.type);
      const again: JobRow = { ...base, comment: event.reason };
      for (const key of ['exitStatus', 'obittime', 'deleteRequestedBy', 'rerunRequestedBy'] as const)
        delete again[key];
      return ok(settle(again, now));
    }
  }
}

function alter(row: JobRow, changes: JobChanges, now: number): Result<JobRow> {
  if (!WAITING.includes(row.state) && !(row.isArray && row.state === 'B')) {
    return refuse('MODIFY_RUNNING', 'Cannot modify attribute while job running');
  }
  const next = { ...row };
  if (changes.name !== undefined) next.name = changes.name;
  if (changes.priority !== undefined) next.priority = changes.priority;
  if (changes.resources !== undefined) next.resources = changes.resources;
  if (changes.spec !== undefined) next.specChanges = { ...row.specChanges, ...changes.spec };
  if (changes.outputPath !== undefined) next.outputPath = changes.outputPath;
  if (changes.errorPath !== undefined) next.errorPath = changes.errorPath;
  if (changes.executionTime === null) delete next.executionTime;
  else if (changes.executionTime !== undefined) next.executionTime = changes.executionTime;
  return ok(settle(next, now));
}

function run(row: JobRow, event: Extract<JobEvent, { type: 'run' }>, now: number): JobRow {
  const next: JobRow = {
    ...row,
    state: 'R',
    substate: SUBSTATE.R!,
    node: event.node,
    attempt: event.attempt,
    runCount: row.runCount + 1,
    execHost: event.execHost,
    execVnode: event.execVnode,
    stime: now,
    comment: `Job run at ${runStamp(now)} on ${event.execVnode}`,
  };
  delete next.exitStatus;
  delete next.sessionId;
  delete next.usage;
  delete next.preempted;
  return next;
}

function requeue(row: JobRow, reason: string): JobRow {
  // a preempted job's comment says why it went back
  const next: JobRow = { ...row, comment: row.preempted ? row.comment : `Job requeued: ${reason}` };
  const gone = [
    'node',
    'execHost',
    'execVnode',
    'sessionId',
    'stime',
    'deleteRequestedBy',
    'rerunRequestedBy',
    'suspendedAt',
    'suspendedFor',
  ] as const;
  for (const key of gone) {
    delete next[key];
  }
  return next;
}

function exited(row: JobRow, event: Extract<JobEvent, { type: 'exited' }>): JobRow {
  const next: JobRow = { ...row, state: 'E', substate: SUBSTATE.E!, exitStatus: event.status };
  delete next.suspendedAt;
  if (event.usage) next.usage = event.usage;
  return next;
}

/** How a run ended, as PBS words it at the end of the comment. */
export function outcomeWords(row: Pick<JobRow, 'exitStatus' | 'deleteRequestedBy'>): string {
  if (row.deleteRequestedBy) return `terminated by ${row.deleteRequestedBy}`;
  if (row.exitStatus === EXIT.walltime) return 'exceeded resource walltime';
  if (row.exitStatus === EXIT.nodeLost) return 'was lost with its node';
  return row.exitStatus === 0 ? 'finished' : 'failed';
}

function finished(row: JobRow, now: number): JobRow {
  const substate = row.deleteRequestedBy
    ? SUBSTATE.terminated!
    : row.exitStatus === 0
      ? SUBSTATE.finished!
      : SUBSTATE.failed!;
  const runPart = row.stime !== undefined ? `Job run at ${runStamp(row.stime)} on ${row.execVnode}` : 'Job';
  return { ...row, state: 'F', substate, obittime: now, comment: `${runPart} and ${outcomeWords(row)}` };
}

/** Replay a job's events from the first (`queued`) one. */
export function replay(events: TimedEvent[]): Result<JobRow> {
  const [first, ...rest] = events;
  if (first?.type !== 'queued') return refuse('BAD_STATE', 'a job history starts with queued');
  let row = initialRow(first);
  for (const event of rest) {
    const next = applyEvent(row, event);
    if (!next.ok) return next;
    row = next.value;
  }
  return ok(row);
}
