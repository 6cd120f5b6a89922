// Dependencies on a real store: holds at submission, release when met,
// deletion (and its cascade) when never met, before* lists (one on a job that can no longer wait
// deletes the new job), refusals for unknown ids and cycles.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/job-spec-types.js';
import { replay } from '../../core/lifecycle/lifecycle.js';
import type { Store } from '../../head/db/store.js';
import { transition } from '../../head/jobs/transitions.js';
import type { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { schedulingFixture } from '../helpers/sched-fixture.js';

let f: ReturnType<typeof schedulingFixture>;
let store: Store;
let dispatcher: Dispatcher;
beforeEach(() => {
  f = schedulingFixture();
  ({ store, dispatcher } = f);
});
afterEach(() => f.dispose());

const submit = (spec: Partial<JobSpec> = {}) => f.submit(spec);
const job = (depend?: string) => f.job(depend ? { depend } : {});
const row = (seq: number) => f.row(seq);
const state = (seq: number) => row(seq).state;

/** Run every queued job, then end `seq` with `status`. */
function end(seq: number, status: number): void {
  dispatcher.tick();
  const { attempt } = row(seq);
  expect(transition(store, seq, { type: 'exited', attempt, status }).ok).toBe(true);
  expect(transition(store, seq, { type: 'finished', attempt }).ok).toBe(true);
}

describe('dependencies', () => {
  it('holds a job with a system hold until afterok is met, then queues it', () => {
    const a = job();
    const b = job('afterok:0');
    expect(row(b)).toMatchObject({ state: 'H', holdTypes: 's', substate: 22 });
    expect(row(b).comment).toBe('Not Running: Waiting for dependency');
    expect(store.jobs.get(b)!.spec.depend).toBe('afterok:0.svr@svr');
    dispatcher.tick();
    expect(state(b)).toBe('H');
    end(a, 0);
    expect(row(b)).toMatchObject({ state: 'Q', holdTypes: 'n', substate: 10 });
    expect(row(b).comment).toBeUndefined();
    expect(replay(store.events.forJob(b)).ok && replay(store.events.forJob(b))).toEqual({
      ok: true,
      value: row(b),
    });
  });

  it('after is met when the parent starts; afterany by any end', () => {
    const a = job();
    const after = job(`after:${a}`);
    const any = job(`afterany:${a}`);
    dispatcher.tick();
    expect([state(a), state(after), state(any)]).toEqual(['R', 'Q', 'H']);
    dispatcher.tick();
    expect(state(after)).toBe('R');
    end(a, 7);
    expect(state(any)).toBe('Q');
  });

  it('deletes what can never run, and its dependents in turn (the cascade)', () => {
    const a = job();
    const ok = job(`afterok:${a}`);
    const notok = job(`afternotok:${a}`);
    const grandchild = job(`afterany:${ok}`);
    end(a, 1);
    expect(state(notok)).toBe('Q');
    expect(row(ok)).toMatchObject({
      state: 'F',
      substate: 92,
      comment: `Job deleted as result of dependency on job ${a}.svr`,
    });
    expect(row(grandchild)).toMatchObject({
      state: 'F',
      comment: `Job deleted as result of dependency on job ${ok}.svr`,
    });
    expect(store.dependencies.of(grandchild)).toEqual([]);
  });

  it('a parent deleted before it ran takes every dependent with it', () => {
    const a = job();
    const held = job(`after:${a}`);
    const other = job(`afternotok:${a}`);
    expect(transition(store, a, { type: 'held', types: 'u', by: 'me' }).ok).toBe(true);
    expect(transition(store, a, { type: 'deleted', by: 'me' }).ok).toBe(true);
    expect([state(held), state(other)]).toEqual(['F', 'F']);
  });

  it('is met or never met at once when the parent has finished already', () => {
    const a = job();
    end(a, 0);
    expect(state(job(`afterok:${a}`))).toBe('Q');
    expect(row(job(`afternotok:${a}`))).toMatchObject({
      state: 'F',
      comment: `Job deleted as result of dependency on job ${a}.svr`,
    });
  });

  it('before* makes the named waiting job wait for the new one', () => {
    const b = job();
    const a = job(`beforeok:${b}`);
    expect(row(b)).toMatchObject({ state: 'H', holdTypes: 's' });
    end(a, 0);
    expect(state(b)).toBe('Q');
  });

  it('keeps a user hold after the dependencies are met', () => {
    const a = job();
    const b = job(`afterok:${a}`);
    expect(transition(store, b, { type: 'held', types: 'u', by: 'me' }).ok).toBe(true);
    end(a, 0);
    expect(row(b)).toMatchObject({ state: 'H', holdTypes: 'u' });
  });

  it('accepts a before* on a job that started or finished, then deletes the new job', () => {
    const a = job();
    dispatcher.tick();
    const early = job(`before:${a}`);
    expect(row(early)).toMatchObject({
      state: 'F',
      substate: 92,
      comment: `Job deleted as result of dependency on job ${a}.svr`,
    });
    expect(row(early).exitStatus).toBeUndefined();
    end(a, 0);
    const late = job(`beforeok:${a}`);
    expect(state(late)).toBe('F');
    const lines = store.events.forJob(late).map((e) => e.type);
    expect(lines).toEqual(['queued', 'depend_settled', 'deleted']);
    expect(store.events.forJob(late)[1]).toMatchObject({ on: `${a}.svr`, how: 'unsatisfied' });
    expect(store.events.forJob(early)[1]).toMatchObject({ on: `${a}.svr`, how: 'rejected' });
  });

  it('refuses unknown ids and cycles; nothing is stored', () => {
    expect(submit({ depend: 'afterok:99' })).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_JOB', message: 'Unknown Job Id 99.svr (in -W depend=)' },
    });
    const a = job();
    const b = job();
    const c = job(`afterok:${b}`);
    expect(submit({ depend: `afterok:${c},before:${b}` })).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'the dependencies would make a cycle: a job would wait for itself',
      },
    });
    expect(store.jobs.list(true).map((j) => j.seq)).toEqual([a, b, c]);
  });
});
