// A running job suspended and resumed (qsig -s suspend / resume, and the scheduler): the job
// stays R in the log and the database (it holds its attempt and its node), shows S, and its
// substate says who resumes it: 43 a resume, 45 the scheduler once its resources are free.
import { ok, type Result, refuse } from '../errors.js';
import { runStamp } from '../pbs/time-format.js';
import type { JobEvent, JobRow } from './job-events.js';
import { SUBSTATE } from './states.js';

type SuspensionEvent = Extract<JobEvent, { type: 'suspended' | 'resume_requested' | 'resumed' }>;

const badState = (row: JobRow, type: string) =>
  refuse<JobRow>('BAD_STATE', `Request invalid for state of job (${type} in state ${shownState(row)})`);

/** The state letter qstat shows: S for a suspended running job. */
export function shownState(row: Pick<JobRow, 'state' | 'suspendedAt'>): JobRow['state'] {
  return row.state === 'R' && row.suspendedAt !== undefined ? 'S' : row.state;
}

/** Apply a suspension event to a running job's row (`now`: epoch seconds). */
export function applySuspension(row: JobRow, event: SuspensionEvent, now: number): Result<JobRow> {
  const suspended = row.state === 'R' && row.suspendedAt !== undefined;
  switch (event.type) {
    case 'suspended': {
      const running = row.state === 'R' && row.suspendedAt === undefined && row.attempt === event.attempt;
      if (!running || row.deleteRequestedBy || row.rerunRequestedBy) return badState(row, event.type);
      const substate = event.scheduler ? SUBSTATE.schedSuspended! : SUBSTATE.suspended!;
      return ok({ ...row, substate, suspendedAt: now });
    }
    case 'resume_requested':
      if (!suspended) return badState(row, event.type);
      return ok({ ...row, substate: SUBSTATE.schedSuspended! });
    case 'resumed': {
      if (!suspended || row.attempt !== event.attempt) return badState(row, event.type);
      const next: JobRow = {
        ...row,
        substate: SUBSTATE.R!,
        suspendedFor: (row.suspendedFor ?? 0) + Math.max(0, now - row.suspendedAt!),
        comment: `Job run at ${runStamp(now)} on ${row.execVnode}`,
      };
      delete next.suspendedAt;
      delete next.preempted;
      return ok(next);
    }
  }
}
