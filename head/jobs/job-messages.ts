// qmsg: a line of text written into a running job's stderr (or stdout, or both), as PBS's MoM
// appends it to the job's output files: the agent that runs the attempt's script (its first node)
// appends it to the attempt's spool (the `append?` message, head/agent-link/output-tails.ts), which
// is delivered to the job's output paths as the job's user when it ends. For the job's owner,
// operators and managers, as they may signal or delete the job (core/policy/permissions.ts).
import { ok, type Result, refuse } from '../../core/errors.js';
import { mayControl, type Requester } from '../../core/policy/permissions.js';
import type { TailStream } from '../../core/protocol/agent-protocol.js';
import { type Found, idOf, JobOperands, type OperandResult } from './job-operands.js';

export class JobMessages extends JobOperands {
  /** Write `text` into `streams` of each operand's job; PBS's answer for each that cannot take it. */
  async message(
    operands: string[],
    text: string,
    streams: TailStream[],
    who: Requester,
  ): Promise<OperandResult[]> {
    const results: OperandResult[] = [];
    for (const operand of operands) {
      const found = this.find(operand);
      if (!found.ok) {
        results.push({ operand, ...idOf(operand, this.d.server), error: found.error });
        continue;
      }
      const { job, id } = found.value;
      const refused = this.refusal(found.value, who);
      const r = refused ?? (await this.write(job.id, text, streams));
      results.push(r.ok ? { operand, id } : { operand, id, error: r.error });
    }
    return results;
  }

  /** What PBS refuses before it asks the node, in its order: finished (a subjob: its array),
   * another user's job, an array's. */
  private refusal({ job, array }: Found, who: Requester): Result<void> | undefined {
    const finished = job.kind === 'subjob' ? job.parentState === 'F' : job.row.state === 'F';
    if (finished) return refuse('JOB_FINISHED', 'Job has finished');
    if (!mayControl(who, job.owner)) return this.denied();
    if (array || job.kind !== 'job') return refuse('NO_SUPPORT', 'not supported for Array Jobs');
    return undefined;
  }

  private async write(jobId: string, text: string, streams: TailStream[]): Promise<Result<void>> {
    const job = this.d.store.jobs.byId(jobId);
    if (!job) return refuse('UNKNOWN_JOB', 'Unknown Job Id');
    const { state, node, attempt } = job.row;
    if (state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
    if (state !== 'R' || !node) return refuse('BAD_STATE', 'Request invalid for state of job');
    const tails = this.d.tails;
    if (!tails) return refuse('NOT_SUPPORTED', 'this head does not reach the output of running jobs');
    const line = text.endsWith('\n') ? text : `${text}\n`;
    const r = await tails.append({ node, jobId, attempt, streams, text: line });
    if (!r.ok) return r;
    // no spool of that attempt on its node: not started there yet, or already gone
    if (r.value.unknown) return refuse('BAD_STATE', 'Request invalid for state of job');
    return ok(undefined);
  }
}
