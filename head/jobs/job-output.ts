// `drover peek` and GET /v1/jobs/:id/output: the live tail of a running job's output, read from
// the spool on the node that runs the job's script (its first node) through the `tail?` message
// (head/agent-link/output-tails.ts). Only the job's owner, operators and managers may read it, as
// they may signal or delete the job (core/policy/permissions.ts); the output a finished job
// delivered is the user's file, not the head's to read.
import { ok, type Result, refuse } from '../../core/errors.js';
import { mayControl, type Requester, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { TailStream } from '../../core/protocol/agent-protocol.js';
import type { OutputTail } from '../../core/protocol/output-tail.js';
import { JobOperands } from './job-operands.js';

export class JobOutput extends JobOperands {
  /** The bytes of `stream` from `from` (at most TAIL_MAX_BYTES), or why not. */
  async tail(operand: string, who: Requester, stream: TailStream, from: number): Promise<Result<OutputTail>> {
    const found = this.find(operand);
    if (!found.ok) return found;
    const { job, id, array } = found.value;
    if (!mayControl(who, job.owner)) return refuse('UNAUTHORIZED', `${UNAUTHORIZED} ${id}`);
    if (array && array.kind !== 'index')
      return refuse(
        'JOB_NOT_RUNNING',
        `${id} is an array job: name one of its subjobs, e.g. ${subjobExample(id)}`,
      );
    const { state, node, attempt } = job.row;
    // E: the attempt has ended and its output is being delivered; what it wrote last is still there
    if ((state !== 'R' && state !== 'E') || !node)
      return refuse('JOB_NOT_RUNNING', `job ${id} is not running (state ${state})`);
    const tails = this.d.tails;
    if (!tails) return refuse('NOT_SUPPORTED', 'this head does not read the output of running jobs');
    const r = await tails.ask({ node, jobId: job.id, attempt, stream, from });
    if (!r.ok) return r;
    const { text, next, running, unknown } = r.value;
    if (!unknown) return ok({ text, next, running });
    // the agent has no spool of this attempt: not started there yet, or already cleaned up
    const now = this.d.store.jobs.byId(job.id)?.row;
    if (now?.state === 'R' && now.attempt === attempt) return ok({ text: '', next: from, running: true });
    return refuse('JOB_NOT_RUNNING', `job ${id} is not running`);
  }
}

/** `12[].server` → `12[1].server`. */
function subjobExample(id: string): string {
  return id.replace(/\[[^\]]*\]/, '[1]');
}
