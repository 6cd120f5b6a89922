// A running job suspended and resumed through the lifecycle's events: it stays R in the log, shows
// S, its substate says who resumes it (43 a resume, 45 the scheduler), and its time suspended
// moves its walltime's end.
import { describe, expect, it } from 'vitest';
import type { Result } from '../../core/errors.js';
import type { JobRow, TimedEvent } from '../../core/lifecycle/job-events.js';
import { applyEvent, replay } from '../../core/lifecycle/lifecycle.js';
import { shownState } from '../../core/lifecycle/suspend-resume.js';
import { runStamp } from '../../core/pbs/time-format.js';
import { resources } from '../helpers/requests.js';

const T = 1_700_000_000;
const at = (s: number) => (T + s) * 1000;
const RES = resources('select=1:ncpus=1');

const QUEUED: TimedEvent = { type: 'queued', at: at(0), hold: false, name: 'j', priority: 0, resources: RES };
const RUN: TimedEvent = {
  type: 'run',
  at: at(10),
  node: 'n1',
  attempt: 1,
  execHost: 'n1/0',
  execVnode: '(n1:ncpus=1)',
};
const suspended = (s: number, scheduler = false): TimedEvent => ({
  type: 'suspended',
  at: at(s),
  attempt: 1,
  by: 'root@h',
  ...(scheduler ? { scheduler } : {}),
});
const resumed = (s: number): TimedEvent => ({ type: 'resumed', at: at(s), attempt: 1 });

function value(r: Result<JobRow>): JobRow {
  if (!r.ok) throw new Error(`refused: ${r.error.message}`);
  return r.value;
}
const rowAfter = (...events: TimedEvent[]) => value(replay([QUEUED, RUN, ...events]));
const code = (r: Result<JobRow>) => (r.ok ? undefined : r.error.code);

describe('suspension in the lifecycle', () => {
  it('a suspended running job stays R, shows S, substate 43; the scheduler’s own is 45', () => {
    const row = rowAfter(suspended(20));
    expect(row).toMatchObject({ state: 'R', substate: 43, suspendedAt: T + 20 });
    expect(shownState(row)).toBe('S');
    expect(rowAfter(suspended(20, true)).substate).toBe(45);
    expect(shownState(rowAfter())).toBe('R');
  });

  it('a resume that must wait for the resources is substate 45; resumed is R 42 with a new run comment', () => {
    expect(rowAfter(suspended(20), { type: 'resume_requested', at: at(25), by: 'root@h' }).substate).toBe(45);
    const row = rowAfter(suspended(20), resumed(50));
    expect(row).toMatchObject({ state: 'R', substate: 42, suspendedFor: 30 });
    expect(row.suspendedAt).toBeUndefined();
    expect(row.comment).toBe(`Job run at ${runStamp(T + 50)} on (n1:ncpus=1)`);
    expect(rowAfter(suspended(20), resumed(50), suspended(60), resumed(65)).suspendedFor).toBe(35);
  });

  it('a job suspended for preemption says so until it is resumed', () => {
    const preempted: TimedEvent = { type: 'preempted', at: at(21), attempt: 1, method: 'S', for: '9.svr' };
    const row = rowAfter(suspended(20), preempted);
    expect(row).toMatchObject({ substate: 43, preempted: { method: 'S', for: '9.svr' } });
    expect(row.comment).toBe('Job preempted by suspension');
    const again = rowAfter(suspended(20), preempted, resumed(50));
    expect(again.preempted).toBeUndefined();
    expect(again.comment).toBe(`Job run at ${runStamp(T + 50)} on (n1:ncpus=1)`);
  });

  it('refuses a second suspension, a resume of a running job, and both outside R or for another attempt', () => {
    const r = rowAfter(suspended(20));
    expect(code(applyEvent(r, suspended(21)))).toBe('BAD_STATE');
    expect(code(applyEvent(rowAfter(), resumed(21)))).toBe('BAD_STATE');
    expect(code(applyEvent(rowAfter(), { type: 'resume_requested', at: at(21), by: 'x' }))).toBe('BAD_STATE');
    expect(code(applyEvent(value(replay([QUEUED])), suspended(21)))).toBe('BAD_STATE');
    expect(code(applyEvent(rowAfter(), { ...suspended(21), attempt: 2 } as TimedEvent))).toBe('BAD_STATE');
    expect(code(applyEvent(r, { ...resumed(30), attempt: 2 } as TimedEvent))).toBe('BAD_STATE');
  });

  it('a job being deleted or rerun is not suspended', () => {
    const deleting = rowAfter({ type: 'delete_requested', at: at(15), by: 'root@h' });
    expect(code(applyEvent(deleting, suspended(20)))).toBe('BAD_STATE');
    const rerunning = rowAfter({ type: 'rerun_requested', at: at(15), by: 'root@h' });
    expect(code(applyEvent(rerunning, suspended(20)))).toBe('BAD_STATE');
  });

  it('a suspended job killed (qdel) exits to E, requeued goes back to Q, without its suspension', () => {
    const gone = rowAfter(
      suspended(20),
      { type: 'delete_requested', at: at(25), by: 'root@h' },
      {
        type: 'exited',
        at: at(26),
        attempt: 1,
        status: 271,
      },
    );
    expect(gone).toMatchObject({ state: 'E', substate: 50, exitStatus: 271 });
    expect(gone.suspendedAt).toBeUndefined();
    const again = rowAfter(suspended(20), resumed(30), suspended(40), {
      type: 'requeued',
      at: at(45),
      attempt: 1,
      reason: 'node lost',
    });
    expect(again.state).toBe('Q');
    expect(again.suspendedAt).toBeUndefined();
    expect(again.suspendedFor).toBeUndefined();
  });

  it('a signal is recorded on a running job only', () => {
    const signalled: TimedEvent = { type: 'signalled', at: at(30), signal: 'USR1', by: 'root@h' };
    expect(value(applyEvent(rowAfter(), signalled)).state).toBe('R');
    expect(code(applyEvent(value(replay([QUEUED])), signalled))).toBe('BAD_STATE');
  });
});
