// qsig: a signal to running jobs on every node they run on, or their suspension and resumption
// (head/jobs/suspension.ts), with OpenPBS's rules: the owner, operators and managers may signal a
// job, only operators and managers suspend or resume one; only a running job can be signalled
// (a suspended one only killed); a signal name PBS does not know is refused by the node, so after
// the job's state; a whole array signals its running subjobs.
import { ok, type Result, refuse } from '../../core/errors.js';
import { parseSignal, SIGKILL, type SignalRequest } from '../../core/pbs/signal-names.js';
import { mayControl, type Requester } from '../../core/policy/permissions.js';
import type { StoredJob } from '../db/jobs-table.js';
import { selectSubjobs } from './arrays.js';
import { byOf, type Found, idOf, JobOperands, type OperandResult } from './job-operands.js';
import { NO_MOM, nodesOf, resumeJob, suspendJob } from './suspension.js';
import { transition } from './transitions.js';

const BAD_STATE = 'Request invalid for state of job';
const UNKNOWN_SIGNAL = 'Unknown/illegal signal name';

type Request = SignalRequest | undefined;

/** Signals: the owner, operators and managers; suspend and resume: operators and managers. */
function permitted(job: StoredJob, request: Request, who: Requester): boolean {
  if (!mayControl(who, job.owner)) return false;
  return request === undefined || request.kind === 'signal' || who.role !== 'user';
}

/** Whether a subjob of an array takes the request: suspend skips the suspended, resume the others. */
function concerns(job: StoredJob, request: Request): boolean {
  if (job.row.state !== 'R') return false;
  if (request?.kind === 'suspend') return job.row.suspendedAt === undefined;
  if (request?.kind === 'resume') return job.row.suspendedAt !== undefined;
  return true;
}

export class JobSignals extends JobOperands {
  /** qsig -s SIGNAL (as typed) to each operand's job; an answer per operand. */
  signal(operands: string[], signal: string, who: Requester): OperandResult[] {
    const request = parseSignal(signal);
    const results = operands.map((operand): OperandResult => {
      const found = this.find(operand);
      if (!found.ok) return { operand, ...idOf(operand, this.d.server), error: found.error };
      const { job, id } = found.value;
      const r = permitted(job, request, who)
        ? this.signalFound(found.value, signal, request, byOf(who))
        : this.denied();
      return r.ok ? { operand, id } : { operand, id, error: r.error };
    });
    this.d.dispatcher.poke(); // a suspended job's resources are free
    return results;
  }

  /** A job or subjob; an array's running subjobs (it must have begun), or a range's (one at least). */
  private signalFound({ job, array }: Found, text: string, request: Request, by: string): Result<unknown> {
    if (job.kind !== 'array') return this.signalOne(job, text, request, by);
    if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    const range = array?.kind === 'range';
    if (!range && job.row.state !== 'B') return refuse('BAD_STATE', BAD_STATE);
    const picked = selectSubjobs(this.d.store, job, array ?? { kind: 'parent' }).filter((j) =>
      concerns(j, request),
    );
    if (range && picked.length === 0) return refuse('BAD_STATE', BAD_STATE);
    const refusals = picked.map((j) => this.signalOne(j, text, request, by)).filter((r) => !r.ok);
    return refusals[0] ?? ok(undefined);
  }

  private signalOne(job: StoredJob, text: string, request: Request, by: string): Result<unknown> {
    if (job.row.state === 'F' && job.kind !== 'subjob') return refuse('JOB_FINISHED', 'Job has finished');
    if (job.row.state !== 'R') return refuse('BAD_STATE', BAD_STATE);
    if (!request) return refuse('UNKNOWN_SIGNAL', UNKNOWN_SIGNAL);
    const ctx = { store: this.d.store, cluster: this.d.cluster };
    // suspended already, or being killed (qdel, qrerun)
    const busy = job.row.suspendedAt !== undefined || job.row.deleteRequestedBy || job.row.rerunRequestedBy;
    switch (request.kind) {
      case 'signal':
        return this.send(job, text, request.signo, by);
      case 'suspend':
        return busy ? refuse('BAD_STATE', BAD_STATE) : suspendJob(ctx, job.id, { by }, this.now());
      case 'resume':
        return resumeJob(ctx, job.id, by, this.now());
      default:
        return refuse('NOT_SUPPORTED', `${request.kind} is not supported (nodes have no maintenance state)`);
    }
  }

  /** A real signal: recorded, then to every node of the job; a suspended job only takes SIGKILL. */
  private send(job: StoredJob, text: string, signo: number, by: string): Result<unknown> {
    if (job.row.suspendedAt !== undefined && signo !== SIGKILL) return refuse('BAD_STATE', BAD_STATE);
    if (!this.d.cluster.isUp(job.row.node!)) return refuse('NODE_NOT_ANSWERING', NO_MOM);
    const r = transition(this.d.store, job.seq, { type: 'signalled', signal: text, by }, this.now());
    if (!r.ok) return r;
    const m = { t: 'signal-job' as const, jobId: job.id, attempt: job.row.attempt, signo };
    for (const node of nodesOf(this.d.store, job)) this.d.cluster.send(node, m);
    return r;
  }
}
