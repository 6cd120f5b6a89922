import { describe, expect, it } from 'vitest';
import type { ErrorCode, Result } from '../../core/errors.js';
import type { JobEvent, JobRow, TimedEvent } from '../../core/lifecycle/job-events.js';
import { applyEvent, initialRow, outcomeWords, replay } from '../../core/lifecycle/lifecycle.js';
import type { JobState } from '../../core/lifecycle/states.js';
import { ctime, runStamp } from '../../core/pbs/time-format.js';
import { resources } from '../helpers/requests.js';

/** 2023-11-14 22:13:20 UTC, in epoch seconds. */
const T = 1_700_000_000;
/** The event time `s` seconds after T, in epoch milliseconds. */
const at = (s: number) => (T + s) * 1000;

const RES = resources('select=1:ncpus=1');
const VNODE = '(n1:ncpus=1)';

type Queued = Extract<TimedEvent, { type: 'queued' }>;

function queued(overrides: Partial<Queued> = {}): Queued {
  return { type: 'queued', at: at(0), hold: false, name: 'job', priority: 0, resources: RES, ...overrides };
}

const run = (attempt: number, s = 10): TimedEvent => ({
  type: 'run',
  at: at(s),
  node: 'n1',
  attempt,
  execHost: 'n1/0',
  execVnode: VNODE,
});
const started = (attempt: number, s = 11): TimedEvent => ({
  type: 'started',
  at: at(s),
  attempt,
  sessionId: 4242,
});
const exited = (attempt: number, status: number, s = 20): TimedEvent => ({
  type: 'exited',
  at: at(s),
  attempt,
  status,
});
const finished = (attempt: number, s = 21): TimedEvent => ({ type: 'finished', at: at(s), attempt });

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`refused: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function errorCode<T>(result: Result<T>): ErrorCode | undefined {
  return result.ok ? undefined : result.error.code;
}

/** A row reached by legal events, for each state (R and E are on attempt 1). */
const PATHS: Record<'Q' | 'H' | 'W' | 'R' | 'E' | 'F', TimedEvent[]> = {
  Q: [queued()],
  H: [queued({ hold: true })],
  W: [queued({ executionTime: T + 3600 })],
  R: [queued(), run(1)],
  E: [queued(), run(1), exited(1, 0)],
  F: [queued(), run(1), exited(1, 0), finished(1)],
};

function rowIn(state: keyof typeof PATHS): JobRow {
  const row = value(replay(PATHS[state]));
  expect(row.state).toBe(state);
  return row;
}

describe('initialRow', () => {
  it.each([
    ['plain job → Q', {}, 'Q', 10, 'n'],
    ['-h → H', { hold: true }, 'H', 20, 'u'],
    ['-a in the future → W', { executionTime: T + 60 }, 'W', 30, 'n'],
    ['-a in the past → Q', { executionTime: T - 60 }, 'Q', 10, 'n'],
    ['-h and -a in the future → H (held beats waiting)', { hold: true, executionTime: T + 60 }, 'H', 20, 'u'],
  ] as const)('%s', (_, overrides, state, substate, holdTypes) => {
    const row = initialRow(queued(overrides));
    expect(row).toMatchObject({
      state,
      substate,
      holdTypes,
      name: 'job',
      priority: 0,
      attempt: 0,
      runCount: 0,
    });
    expect(row.qtime).toBe(T);
    expect(row.mtime).toBe(T);
    expect(row.resources).toEqual(RES);
  });
});

type Expected = { state: JobState } | { code: ErrorCode };

/** Every event type applied to a row in every state: the state it leads to, or the refusal. */
const EVENTS: [string, JobEvent, Record<keyof typeof PATHS, Expected>][] = [
  [
    'queued',
    { type: 'queued', hold: false, name: 'x', priority: 0, resources: RES },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { code: 'BAD_STATE' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'held u',
    { type: 'held', types: 'u', by: 'alice@h' },
    {
      Q: { state: 'H' },
      H: { state: 'H' },
      W: { state: 'H' },
      R: { state: 'R' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'released u',
    { type: 'released', types: 'u', by: 'alice@h' },
    {
      Q: { state: 'Q' },
      H: { state: 'Q' },
      W: { state: 'Q' },
      R: { state: 'R' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'eligible',
    { type: 'eligible' },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { state: 'Q' },
      R: { code: 'BAD_STATE' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'altered',
    { type: 'altered', changes: { name: 'renamed' }, by: 'alice@h' },
    {
      Q: { state: 'Q' },
      H: { state: 'H' },
      W: { state: 'Q' },
      R: { code: 'MODIFY_RUNNING' },
      E: { code: 'MODIFY_RUNNING' },
      F: { code: 'MODIFY_RUNNING' },
    },
  ],
  [
    'moved',
    { type: 'moved', from: 'workq', to: 'short', by: 'alice@h' },
    {
      Q: { state: 'Q' },
      H: { state: 'H' },
      W: { state: 'W' },
      R: { code: 'BAD_STATE' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'run',
    { type: 'run', node: 'n1', attempt: 2, execHost: 'n1/0', execVnode: VNODE },
    {
      Q: { state: 'R' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { code: 'BAD_STATE' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'started (attempt 1)',
    { type: 'started', attempt: 1, sessionId: 7 },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { state: 'R' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'requeued (attempt 1)',
    { type: 'requeued', attempt: 1, reason: 'node down' },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { state: 'Q' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'preempted (attempt 1)',
    { type: 'preempted', attempt: 1, method: 'R', for: '9.svr' },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { state: 'R' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'delete_requested',
    { type: 'delete_requested', by: 'bob@h' },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { state: 'R' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'deleted',
    { type: 'deleted', by: 'bob@h' },
    {
      Q: { state: 'F' },
      H: { state: 'F' },
      W: { state: 'F' },
      R: { code: 'BAD_STATE' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'exited (attempt 1)',
    { type: 'exited', attempt: 1, status: 0 },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { state: 'E' },
      E: { code: 'BAD_STATE' },
      F: { code: 'BAD_STATE' },
    },
  ],
  [
    'finished (attempt 1)',
    { type: 'finished', attempt: 1 },
    {
      Q: { code: 'BAD_STATE' },
      H: { code: 'BAD_STATE' },
      W: { code: 'BAD_STATE' },
      R: { code: 'BAD_STATE' },
      E: { state: 'F' },
      F: { code: 'BAD_STATE' },
    },
  ],
];

const TABLE = EVENTS.flatMap(([label, event, outcomes]) =>
  (Object.keys(outcomes) as (keyof typeof PATHS)[]).map(
    (from) => [label, from, event, outcomes[from]] as const,
  ),
);

describe('applyEvent: every event from every state', () => {
  // Events happen two hours after submission: a W job's start time (T+3600) has then passed.
  it.each(TABLE)('%s in %s', (_, from, event, expected) => {
    const row = rowIn(from);
    const result = applyEvent(row, { ...event, at: at(7200) } as TimedEvent);
    if ('code' in expected) {
      expect(errorCode(result)).toBe(expected.code);
    } else {
      const next = value(result);
      expect(next.state).toBe(expected.state);
      expect(next.mtime).toBe(T + 7200);
    }
  });

  it('does not change the row it is given', () => {
    const row = rowIn('Q');
    const copy = structuredClone(row);
    value(applyEvent(row, { type: 'held', types: 'u', by: 'a@h', at: at(5) }));
    value(applyEvent(row, run(1)));
    expect(row).toEqual(copy);
  });
});

describe('holds', () => {
  it('run from H is refused', () => {
    const result = applyEvent(rowIn('H'), run(1));
    expect(errorCode(result)).toBe('BAD_STATE');
    expect(result.ok ? '' : result.error.message).toBe('Request invalid for state of job (run in state H)');
  });

  it('hold types accumulate and the job stays H until the last one is released', () => {
    let row = rowIn('Q');
    row = value(applyEvent(row, { type: 'held', types: 'o', by: 'op@h', at: at(1) }));
    row = value(applyEvent(row, { type: 'held', types: 'u', by: 'a@h', at: at(2) }));
    // PBS names the user alone: `Job held by a on <ctime>`
    expect(row).toMatchObject({
      state: 'H',
      substate: 20,
      holdTypes: 'uo',
      comment: `Job held by a on ${ctime(T + 2)}`,
    });
    row = value(applyEvent(row, { type: 'released', types: 'u', by: 'a@h', at: at(3) }));
    expect(row).toMatchObject({ state: 'H', substate: 20, holdTypes: 'o' });
    row = value(applyEvent(row, { type: 'released', types: 'o', by: 'op@h', at: at(4) }));
    expect(row).toMatchObject({ state: 'Q', substate: 10, holdTypes: 'n', etime: T + 4 });
  });

  it('releasing a hold that is not set is a silent success', () => {
    const row = value(applyEvent(rowIn('Q'), { type: 'released', types: 's', by: 'a@h', at: at(3) }));
    expect(row).toMatchObject({ state: 'Q', holdTypes: 'n' });
  });

  it('a hold on a running job keeps it R and records the hold type', () => {
    const row = value(applyEvent(rowIn('R'), { type: 'held', types: 'u', by: 'a@h', at: at(15) }));
    expect(row).toMatchObject({ state: 'R', substate: 42, holdTypes: 'u', node: 'n1', attempt: 1 });
  });

  it('a running job that was held becomes H when it is requeued', () => {
    let row = value(applyEvent(rowIn('R'), { type: 'held', types: 'u', by: 'a@h', at: at(15) }));
    row = value(applyEvent(row, { type: 'requeued', attempt: 1, reason: 'node down', at: at(16) }));
    expect(row).toMatchObject({ state: 'H', substate: 20, holdTypes: 'u' });
  });

  it('release goes to W while the execution time is in the future, to Q after it', () => {
    const held = value(replay([queued({ hold: true, executionTime: T + 3600 })]));
    expect(held.state).toBe('H');
    const early = value(applyEvent(held, { type: 'released', types: 'u', by: 'a@h', at: at(100) }));
    expect(early).toMatchObject({ state: 'W', substate: 30, holdTypes: 'n' });
    const late = value(applyEvent(held, { type: 'released', types: 'u', by: 'a@h', at: at(3600) }));
    expect(late).toMatchObject({ state: 'Q', substate: 10, holdTypes: 'n', etime: T + 3600 });
  });

  it('eligible before the execution time keeps W; at it the job becomes Q', () => {
    const row = rowIn('W');
    expect(value(applyEvent(row, { type: 'eligible', at: at(3599) })).state).toBe('W');
    expect(value(applyEvent(row, { type: 'eligible', at: at(3600) }))).toMatchObject({
      state: 'Q',
      substate: 10,
      etime: T + 3600,
    });
  });
});

describe('alter', () => {
  it('lays spec changes over earlier ones and keeps the resolved paths', () => {
    const once = value(
      applyEvent(rowIn('Q'), {
        type: 'altered',
        changes: { spec: { account: 'a1', join: 'oe' }, outputPath: 'h:/tmp/x.out' },
        by: 'a@h',
        at: at(5),
      }),
    );
    const twice = value(
      applyEvent(once, { type: 'altered', changes: { spec: { account: 'a2' } }, by: 'a@h', at: at(6) }),
    );
    expect(twice).toMatchObject({ specChanges: { account: 'a2', join: 'oe' }, outputPath: 'h:/tmp/x.out' });
  });

  it('changes name and priority of a queued job', () => {
    const row = value(
      applyEvent(rowIn('Q'), {
        type: 'altered',
        changes: { name: 'renamed', priority: 100 },
        by: 'a@h',
        at: at(5),
      }),
    );
    expect(row).toMatchObject({ state: 'Q', name: 'renamed', priority: 100, mtime: T + 5 });
  });

  it('a future execution time sends a queued job to W; null brings it back to Q', () => {
    const waiting = value(
      applyEvent(rowIn('Q'), { type: 'altered', changes: { executionTime: T + 600 }, by: 'a@h', at: at(5) }),
    );
    expect(waiting).toMatchObject({ state: 'W', substate: 30, executionTime: T + 600 });
    const back = value(
      applyEvent(waiting, { type: 'altered', changes: { executionTime: null }, by: 'a@h', at: at(6) }),
    );
    expect(back).toMatchObject({ state: 'Q', substate: 10 });
    expect(back.executionTime).toBeUndefined();
  });

  it('replaces the resources', () => {
    const bigger = resources('select=2:ncpus=2');
    const row = value(
      applyEvent(rowIn('H'), { type: 'altered', changes: { resources: bigger }, by: 'a@h', at: at(5) }),
    );
    expect(row.resources).toEqual(bigger);
    expect(row.state).toBe('H');
  });

  it('is refused while the job runs, with MODIFY_RUNNING', () => {
    const result = applyEvent(rowIn('R'), { type: 'altered', changes: { name: 'x' }, by: 'a@h', at: at(15) });
    expect(result).toEqual({
      ok: false,
      error: { code: 'MODIFY_RUNNING', message: 'Cannot modify attribute while job running' },
    });
  });
});

describe('moved', () => {
  it('enters its new queue now: qtime, and etime for a queued job; resources when given', () => {
    const q = value(replay(PATHS.Q));
    const walltime = { ...RES, walltime: 600, list: { ...RES.list, walltime: '00:10:00' } };
    const moved = value(
      applyEvent(q, {
        type: 'moved',
        from: 'workq',
        to: 'short',
        by: 'a@h',
        resources: walltime,
        at: at(30),
      }),
    );
    expect(moved).toMatchObject({
      state: 'Q',
      qtime: T + 30,
      etime: T + 30,
      mtime: T + 30,
      resources: walltime,
    });
    const held = value(
      applyEvent(value(replay(PATHS.H)), {
        type: 'moved',
        from: 'workq',
        to: 'short',
        by: 'a@h',
        at: at(30),
      }),
    );
    expect(held).toMatchObject({ state: 'H', qtime: T + 30, resources: RES });
    expect(held.etime).toBeUndefined();
  });
});

describe('run, attempts and requeue', () => {
  it('run records the node, the attempt and the run comment', () => {
    const row = rowIn('R');
    expect(row).toMatchObject({
      state: 'R',
      substate: 42,
      node: 'n1',
      attempt: 1,
      runCount: 1,
      execHost: 'n1/0',
      execVnode: VNODE,
      stime: T + 10,
      comment: `Job run at ${runStamp(T + 10)} on ${VNODE}`,
    });
  });

  it('started records the session id of the current attempt', () => {
    const row = value(applyEvent(rowIn('R'), started(1)));
    expect(row).toMatchObject({ state: 'R', sessionId: 4242 });
  });

  it('requeued goes back to Q and clears node and execution fields', () => {
    const running = value(replay([queued(), run(1), started(1)]));
    const row = value(
      applyEvent(running, { type: 'requeued', attempt: 1, reason: 'node n1 down', at: at(30) }),
    );
    expect(row).toMatchObject({
      state: 'Q',
      substate: 10,
      attempt: 1,
      runCount: 1,
      etime: T + 30,
      comment: 'Job requeued: node n1 down',
    });
    for (const key of ['node', 'execHost', 'execVnode', 'sessionId', 'stime', 'deleteRequestedBy'] as const) {
      expect(row[key], key).toBeUndefined();
    }
  });

  it('a preempted job says so in its comment while it waits, until it runs again', () => {
    const running = value(replay([queued(), run(1), started(1)]));
    const preempted = value(
      applyEvent(running, { type: 'preempted', attempt: 1, method: 'C', for: '9.svr', at: at(20) }),
    );
    expect(preempted).toMatchObject({
      state: 'R',
      preempted: { method: 'C', for: '9.svr' },
      comment: 'Job preempted by checkpointing',
    });
    expect(
      errorCode(
        applyEvent(running, { type: 'preempted', attempt: 2, method: 'R', for: '9.svr', at: at(20) }),
      ),
    ).toBe('BAD_STATE');
    const requeued = value(
      applyEvent(preempted, {
        type: 'requeued',
        attempt: 1,
        reason: 'stopped after checkpoint 1',
        at: at(25),
      }),
    );
    expect(requeued).toMatchObject({
      state: 'Q',
      preempted: { method: 'C', for: '9.svr' },
      comment: 'Job preempted by checkpointing',
    });
    const again = value(applyEvent(requeued, run(2, 30)));
    expect(again.preempted).toBeUndefined();
    expect(again.comment).toBe(`Job run at ${runStamp(T + 30)} on ${VNODE}`);
  });

  it('a requeued job runs again with a new attempt; facts of the old attempt are refused', () => {
    const row = value(
      replay([
        queued(),
        run(1),
        { type: 'requeued', attempt: 1, reason: 'node down', at: at(15) },
        run(2, 16),
      ]),
    );
    expect(row).toMatchObject({ state: 'R', attempt: 2, runCount: 2, stime: T + 16 });
    expect(errorCode(applyEvent(row, started(1, 17)))).toBe('BAD_STATE');
    expect(errorCode(applyEvent(row, exited(1, 0, 17)))).toBe('BAD_STATE');
    expect(errorCode(applyEvent(row, { type: 'requeued', attempt: 1, reason: 'x', at: at(17) }))).toBe(
      'BAD_STATE',
    );
    expect(value(applyEvent(row, exited(2, 0, 17)))).toMatchObject({ state: 'E', exitStatus: 0 });
  });

  it('exited with a stale attempt is refused', () => {
    expect(errorCode(applyEvent(rowIn('R'), exited(0, 0)))).toBe('BAD_STATE');
    expect(errorCode(applyEvent(rowIn('R'), exited(2, 0)))).toBe('BAD_STATE');
  });

  it('finished only from E with the same attempt', () => {
    expect(errorCode(applyEvent(rowIn('E'), finished(2)))).toBe('BAD_STATE');
    expect(errorCode(applyEvent(rowIn('R'), finished(1)))).toBe('BAD_STATE');
    expect(value(applyEvent(rowIn('E'), finished(1))).state).toBe('F');
  });

  it('a new run clears the exit status, session and usage of the previous attempt', () => {
    const before: JobRow = {
      ...rowIn('Q'),
      exitStatus: 3,
      sessionId: 9,
      usage: { cput: 1, mem: 1, vmem: 1, walltime: 1, cpupercent: 1, ncpus: 1 },
    };
    const row = value(applyEvent(before, run(1)));
    expect(row.exitStatus).toBeUndefined();
    expect(row.sessionId).toBeUndefined();
    expect(row.usage).toBeUndefined();
  });
});

describe('end of a job', () => {
  const runPart = `Job run at ${runStamp(T + 10)} on ${VNODE}`;

  it.each([
    ['exit 0', 0, 92, 'finished'],
    ['exit 1', 1, 93, 'failed'],
    ['exit 271 (SIGTERM)', 271, 93, 'failed'],
    ['walltime kill', -29, 93, 'exceeded resource walltime'],
  ])('%s → substate %i, comment "and %s"', (_, status, substate, words) => {
    const exiting = value(replay([queued(), run(1), exited(1, status)]));
    expect(exiting).toMatchObject({ state: 'E', substate: 50, exitStatus: status });
    const row = value(applyEvent(exiting, finished(1)));
    expect(row).toMatchObject({
      state: 'F',
      substate,
      exitStatus: status,
      obittime: T + 21,
      comment: `${runPart} and ${words}`,
    });
  });

  it('exited keeps the usage it reports', () => {
    const usage = { cput: 5, mem: 1024, vmem: 2048, walltime: 10, cpupercent: 50, ncpus: 1 };
    const row = value(applyEvent(rowIn('R'), { type: 'exited', attempt: 1, status: 0, usage, at: at(20) }));
    expect(row.usage).toEqual(usage);
  });

  it.each(['Q', 'H', 'W'] as const)('deleted from %s → F, substate 91', (from) => {
    const row = value(applyEvent(rowIn(from), { type: 'deleted', by: 'bob@h', at: at(50) }));
    expect(row).toMatchObject({ state: 'F', substate: 91, obittime: T + 50, mtime: T + 50 });
    expect(row.exitStatus).toBeUndefined();
  });

  it('delete_requested, then exited and finished → substate 91, `terminated by` comment', () => {
    const row = value(
      replay([
        queued(),
        run(1),
        started(1),
        { type: 'delete_requested', by: 'bob@submit', at: at(12) },
        exited(1, 271),
        finished(1),
      ]),
    );
    expect(row).toMatchObject({
      state: 'F',
      substate: 91,
      exitStatus: 271,
      deleteRequestedBy: 'bob@submit',
      comment: `${runPart} and terminated by bob@submit`,
    });
  });

  it('delete_requested keeps the job running', () => {
    const row = value(applyEvent(rowIn('R'), { type: 'delete_requested', by: 'bob@h', at: at(12) }));
    expect(row).toMatchObject({ state: 'R', substate: 42, deleteRequestedBy: 'bob@h' });
  });

  it('purge_requested (qdel -x) marks a job that has not ended and keeps its state; F and E refuse it', () => {
    const row = value(applyEvent(rowIn('R'), { type: 'purge_requested', by: 'bob@h', at: at(12) }));
    expect(row).toMatchObject({ state: 'R', substate: 42, purgeRequestedBy: 'bob@h' });
    for (const state of ['F', 'E'] as const)
      expect(errorCode(applyEvent(rowIn(state), { type: 'purge_requested', by: 'bob@h', at: at(12) }))).toBe(
        'BAD_STATE',
      );
  });
});

describe('outcomeWords', () => {
  it.each([
    [{ exitStatus: 0 }, 'finished'],
    [{ exitStatus: 2 }, 'failed'],
    [{ exitStatus: -29 }, 'exceeded resource walltime'],
    [{ exitStatus: 0, deleteRequestedBy: 'bob@h' }, 'terminated by bob@h'],
    [{ exitStatus: -29, deleteRequestedBy: 'bob@h' }, 'terminated by bob@h'],
  ])('%o → %s', (row, words) => {
    expect(outcomeWords(row)).toBe(words);
  });
});

describe('runStamp', () => {
  it.each([
    [new Date(2023, 10, 14, 9, 5), 'Tue Nov 14 at 09:05'],
    [new Date(2024, 0, 1, 0, 0), 'Mon Jan 01 at 00:00'],
    [new Date(2024, 1, 29, 23, 59), 'Thu Feb 29 at 23:59'],
  ])('%s → %s', (date, text) => {
    expect(runStamp(date.getTime() / 1000)).toBe(text);
  });
});

describe('replay', () => {
  it('refuses a history that does not start with queued', () => {
    expect(errorCode(replay([]))).toBe('BAD_STATE');
    expect(errorCode(replay([run(1)]))).toBe('BAD_STATE');
  });

  it('stops at the first illegal event', () => {
    expect(errorCode(replay([queued({ hold: true }), run(1)]))).toBe('BAD_STATE');
  });
});

/** mulberry32: a small seeded generator, so that a failing sequence can be reproduced. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The events that are legal next for `row` at time `s` (seconds after T). */
function legalNext(row: JobRow, s: number, pick: <X>(xs: X[]) => X): JobEvent[] {
  const by = pick(['alice@h', 'op@h']);
  const types = pick(['u', 'o', 's', 'uo']);
  const waitingEvents: JobEvent[] = [
    { type: 'held', types, by },
    { type: 'released', types: pick(['u', 'o', 's', 'uosp']), by },
    { type: 'altered', changes: { name: `n${s}`, priority: Math.floor(s % 7) - 3 }, by },
    { type: 'altered', changes: { executionTime: pick([T + s - 5, T + s + 30, null]) }, by },
    { type: 'moved', from: 'workq', to: pick(['short', 'long']), by },
    { type: 'deleted', by },
  ];
  switch (row.state) {
    case 'Q':
      return [
        ...waitingEvents,
        {
          type: 'run',
          node: pick(['n1', 'n2']),
          attempt: row.attempt + 1,
          execHost: 'n1/0',
          execVnode: VNODE,
        },
      ];
    case 'H':
      return waitingEvents;
    case 'W':
      return [...waitingEvents, { type: 'eligible' }];
    case 'R':
      return [
        { type: 'held', types, by },
        { type: 'released', types: 'uosp', by },
        { type: 'started', attempt: row.attempt, sessionId: 1000 + s },
        { type: 'requeued', attempt: row.attempt, reason: 'node down' },
        { type: 'delete_requested', by },
        { type: 'exited', attempt: row.attempt, status: pick([0, 1, 271, -29]) },
      ];
    case 'E':
      return [{ type: 'finished', attempt: row.attempt }];
    default:
      return [];
  }
}

/** A random legal history, and the row after each of its events. */
function generate(seed: number): { events: TimedEvent[]; rows: JobRow[] } {
  const random = rng(seed);
  const pick = <X>(xs: X[]): X => xs[Math.floor(random() * xs.length)] as X;
  let s = 0;
  const first = queued({
    hold: random() < 0.3,
    priority: Math.floor(random() * 200) - 100,
    ...(random() < 0.3 ? { executionTime: T + Math.floor(random() * 60) } : {}),
  });
  const events: TimedEvent[] = [first];
  const rows = [initialRow(first)];
  for (let i = 0; i < 40; i++) {
    const row = rows[rows.length - 1]!;
    s += 1 + Math.floor(random() * 20);
    const next = legalNext(row, s, pick);
    if (next.length === 0) break;
    const event = { ...pick(next), at: at(s) } as TimedEvent;
    const result = applyEvent(row, event);
    if (!result.ok) throw new Error(`seed ${seed}: generated an illegal ${event.type} in ${row.state}`);
    events.push(event);
    rows.push(result.value);
  }
  return { events, rows };
}

describe('replay property: replaying a legal history equals folding applyEvent', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => i * 7919 + 1);

  it.each(seeds)('seed %i', (seed) => {
    const { events, rows } = generate(seed);
    const last = rows[rows.length - 1]!;
    expect(replay(events)).toEqual({ ok: true, value: last });
    // Every prefix replays to the row after its last event.
    for (let n = 1; n <= events.length; n++) {
      expect(value(replay(events.slice(0, n)))).toEqual(rows[n - 1]);
    }
    // Invariants of the rows the reducer makes.
    const runs = events.filter((e) => e.type === 'run');
    expect(last.runCount).toBe(runs.length);
    expect(last.attempt).toBe(runs.length);
    for (const row of rows) {
      const substates: Record<string, number[]> = {
        Q: [10],
        H: [20],
        W: [30],
        R: [42],
        E: [50],
        F: [91, 92, 93],
      };
      expect(substates[row.state]).toContain(row.substate);
      expect(row.holdTypes).toMatch(/^(n|u?o?s?p?)$/);
      if (row.state === 'H') expect(row.holdTypes).not.toBe('n');
      if (row.state === 'Q' || row.state === 'W') expect(row.holdTypes).toBe('n');
      if (row.state === 'R' || row.state === 'E') expect(row.node).toBeDefined();
    }
  });

  it('the generator reaches every state', () => {
    const seen = new Set(seeds.flatMap((seed) => generate(seed).rows.map((r) => r.state)));
    expect([...seen].sort()).toEqual(['E', 'F', 'H', 'Q', 'R', 'W']);
  });
});

describe('array parents', () => {
  const parent = () =>
    initialRow({
      type: 'queued',
      at: at(0),
      hold: false,
      name: 'arr',
      priority: 0,
      resources: resources('ncpus=1'),
      array: true,
    });

  it('go Q → B at the first subjob, stay B through holds, and end F with the outcome given', () => {
    const begun = value(applyEvent(parent(), { type: 'array_begun', at: at(1) }));
    expect(begun).toMatchObject({ state: 'B', runCount: 1, stime: T + 1 });
    const held = value(applyEvent(begun, { type: 'held', types: 'u', by: 'a@h', at: at(2) }));
    expect(held.state).toBe('H');
    const released = value(applyEvent(held, { type: 'released', types: 'u', by: 'a@h', at: at(3) }));
    expect(released.state).toBe('B');
    const ended = value(applyEvent(released, { type: 'array_ended', status: 1, substate: 93, at: at(4) }));
    expect(ended).toMatchObject({ state: 'F', exitStatus: 1, substate: 93, obittime: T + 4 });
  });

  it('never run or get deleted like a job; a plain job never begins an array', () => {
    const run = {
      type: 'run' as const,
      node: 'n',
      attempt: 1,
      execHost: 'n/0',
      execVnode: '(n:ncpus=1)',
      at: at(1),
    };
    const begun = value(applyEvent(parent(), { type: 'array_begun', at: at(1) }));
    expect(applyEvent(begun, run).ok).toBe(false);
    expect(applyEvent(parent(), { type: 'deleted', by: 'a@h', at: at(1) }).ok).toBe(false);
    expect(applyEvent(rowIn('Q'), { type: 'array_begun', at: at(1) }).ok).toBe(false);
  });
});
