// A job event as one line of text, as PBS's tracejob prints it (the log source letter and the
// message): the tracejob command and the web view's job timeline both show these.
import { formatDuration } from '../pbs/duration.js';
import type { JobRecord } from '../record-types.js';
import { PREEMPT_WORDS } from '../scheduling/preempt-order.js';
import type { DependOutcome, TimedEvent } from './job-events.js';

/** OpenPBS's server log lines on a dependent job, word for word. */
const DEPEND_LINES: Record<DependOutcome, (on: string) => string> = {
  released: (on) => `Dependency on job ${on} released.`,
  satisfied: (on) => `${on} Job has finished, dependency satisfied`,
  unsatisfied: (on) => `${on} Finished job did not satisfy dependency`,
  rejected: (on) => `Dependency request for job rejected by ${on}`,
};

/** The log source letter (S server, M the node's agent, L the scheduler) and the text of one event. */
export function describeEvent(e: TimedEvent, job: JobRecord): [string, string] {
  switch (e.type) {
    case 'queued':
      return [
        'S',
        `Job Queued at request of ${job.owner}, owner = ${job.owner}, job name = ${e.name}, queue = ${job.queue}`,
      ];
    case 'held':
      return ['S', `Holds ${e.types} set at request of ${e.by}`];
    case 'released':
      return ['S', `Holds ${e.types} released at request of ${e.by}`];
    case 'eligible':
      return ['S', 'Job eligible: execution time reached'];
    case 'altered':
      return ['S', `Job attributes altered at request of ${e.by}: ${Object.keys(e.changes).join(', ')}`];
    case 'moved':
      return ['S', `Job moved to ${e.to} at request of ${e.by}`];
    case 'run': {
      const from = e.restore ? `, restarting from checkpoint ${e.restore}` : '';
      return [
        'S',
        `Job Run at request of Scheduler on exec_vnode ${e.execVnode} (attempt ${e.attempt}${from})`,
      ];
    }
    case 'checkpointed':
      return [
        'M',
        `Checkpoint ${e.count} saved at the head, ${e.size} bytes (attempt ${e.attempt})${e.note ? `: ${e.note}` : ''}`,
      ];
    case 'started':
      return ['M', `Started, pid = ${e.sessionId} (attempt ${e.attempt})`];
    case 'requeued':
      return ['S', `Job requeued (attempt ${e.attempt}): ${e.reason}`];
    case 'delete_requested':
      return ['S', `Job to be deleted at request of ${e.by}`];
    case 'rerun_requested':
      return ['S', `Job to be rerun at request of ${e.by}`];
    case 'preempted':
      // OpenPBS's scheduler log line (L), word for word
      return ['L', `Job preempted by ${PREEMPT_WORDS[e.method]}`];
    case 'signalled':
      return ['S', `job signaled with ${e.signal} by ${e.by}`];
    case 'suspended':
      return [
        'S',
        `Job suspended at request of ${e.by}${e.reason ? `: ${e.reason}` : ''}, its resources released (attempt ${e.attempt})`,
      ];
    case 'resume_requested':
      return ['S', `Job to be resumed at request of ${e.by} once its resources are free`];
    case 'resumed':
      return ['S', `Job resumed, its resources taken again (attempt ${e.attempt})`];
    case 'purge_requested':
      return ['S', `Job history to be deleted at request of ${e.by}`];
    case 'fenced':
      return ['S', `Node ${e.node} fenced (${e.how}) for attempt ${e.attempt}: ${e.reason}`];
    case 'deleted':
      return ['S', e.reason ?? `Job deleted at request of ${e.by}`];
    case 'depend_hold':
      return ['S', `Job held (system hold) until its dependencies on ${e.on.join(', ')} are met`];
    case 'depend_settled':
      return ['S', DEPEND_LINES[e.how](e.on)];
    case 'depend_released':
      return ['S', 'Dependencies met: system hold released'];
    case 'exited': {
      const u = e.usage;
      const usage = u
        ? ` resources_used.cput=${formatDuration(u.cput)} resources_used.mem=${Math.ceil(u.mem / 1024)}kb resources_used.walltime=${formatDuration(u.walltime)}`
        : '';
      return [
        'M',
        `Exit_status=${e.status}${e.reason ? ` (${e.reason} exceeded)` : ''}${usage} (attempt ${e.attempt})`,
      ];
    }
    case 'finished':
      return ['S', `Job finished, output delivered (attempt ${e.attempt})`];
    case 'failed':
      return ['S', `${e.reason}, Exit_status=${e.status}`];
    case 'resubmitted':
      return ['S', e.reason];
    case 'head_takeover':
      return ['S', `Head ${e.head} took over as primary (epoch ${e.epoch}); the job kept its state`];
    case 'array_begun':
      return ['S', 'Array job begun: its first subjob started'];
    case 'array_ended':
      return [
        'S',
        `Array job ended: every subjob finished${e.status !== undefined ? `, Exit_status=${e.status}` : ''}`,
      ];
  }
}
