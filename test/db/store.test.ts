import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT_DIR = resolve(import.meta.dirname, '../..');

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { replay } from '../../core/lifecycle/lifecycle.js';
import type { Store } from '../../head/db/store.js';
import { purgeJob, purgeMarkedJobs } from '../../head/jobs/job-history.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec, T0 } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const SERVER = 'svr';
/** Epoch milliseconds `s` seconds after T0. */
const at = (s: number) => (T0 + s) * 1000;
const log = pino({ level: 'silent' });

let temp: TempStore;
let store: Store;
let cluster: Cluster;

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 4 });
  cluster = new Cluster(store);
});

afterEach(() => {
  temp.dispose();
});

function submit(spec: Partial<JobSpec> = {}, s = 0): Result<{ id: string; seq: number }> {
  return submitJob({ store, server: SERVER, nodes: () => cluster.schedNodes(), now: at(s) }, makeSpec(spec));
}

function submitted(spec: Partial<JobSpec> = {}, s = 0): number {
  const r = submit(spec, s);
  if (!r.ok) throw new Error(`submit refused: ${r.error.code} ${r.error.message}`);
  return r.value.seq;
}

const eventTypes = (seq: number) => store.events.forJob(seq).map((e) => e.type);
const stateOf = (seq: number) => store.jobs.get(seq)?.row.state;

describe('submitJob', () => {
  it('assigns sequence numbers 0, 1, 2 and ids <seq>.<server>', () => {
    const ids = [submit(), submit(), submit()].map((r) => (r.ok ? r.value : r.error));
    expect(ids).toEqual([
      { id: '0.svr', seq: 0 },
      { id: '1.svr', seq: 1 },
      { id: '2.svr', seq: 2 },
    ]);
    expect(store.jobs.list(true).map((j) => j.id)).toEqual(['0.svr', '1.svr', '2.svr']);
  });

  it('stores the job, its queued event and its row', () => {
    const seq = submitted({ name: 'sim', priority: 5 }, 7);
    const job = store.jobs.get(seq)!;
    expect(job).toMatchObject({
      seq: 0,
      id: '0.svr',
      owner: 'alice@submit.example.com',
      queue: 'workq',
      ctime: T0 + 7,
      outputPath: 'submit.example.com:/home/alice/sim.o0',
      errorPath: 'submit.example.com:/home/alice/sim.e0',
    });
    expect(job.row).toMatchObject({ state: 'Q', substate: 10, name: 'sim', priority: 5, qtime: T0 + 7 });
    expect(store.events.forJob(seq)).toEqual([
      {
        type: 'queued',
        at: at(7),
        hold: false,
        name: 'sim',
        priority: 5,
        resources: makeSpec().resources,
      },
    ]);
    expect(job.spec.variables).toContainEqual(['PBS_O_QUEUE', 'workq']);
  });

  it('stores the script apart from the spec', () => {
    const seq = submitted({ script: '#!/bin/sh\necho hello\n' });
    expect(store.jobs.script(seq)).toBe('#!/bin/sh\necho hello\n');
    expect(store.jobs.get(seq)!.spec).not.toHaveProperty('script');
    const raw = store.db.prepare('SELECT spec FROM jobs WHERE seq = ?').pluck().get(seq) as string;
    expect(raw).not.toContain('echo hello');
  });

  it('a job without a script has no script row', () => {
    const seq = submitted({ executable: '/bin/true', argv: [] });
    expect(store.jobs.script(seq)).toBeUndefined();
  });

  it('a held job starts H, a job with a future start time starts W', () => {
    expect(stateOf(submitted({ hold: true }))).toBe('H');
    expect(stateOf(submitted({ executionTime: T0 + 3600 }))).toBe('W');
  });

  it.each([
    ['an unknown queue', { queue: 'nosuch' }, 'UNKNOWN_QUEUE'],
    ['a job larger than every node', { resources: resources('select=1:ncpus=16') }, 'EXCEEDS_LIMITS'],
    ['-W depend= on an unknown job', { depend: 'afterok:1.svr' }, 'UNKNOWN_JOB'],
    ['-W depend=on:', { depend: 'on:2' }, 'NOT_SUPPORTED'],
  ] as const)('refuses %s with %s and stores nothing', (_, spec, code) => {
    const r = submit(spec);
    expect(r.ok ? undefined : r.error.code).toBe(code);
    expect(store.jobs.list(true)).toEqual([]);
    expect(store.db.prepare('SELECT count(*) FROM job_events').pluck().get()).toBe(0);
    // A refusal does not use up a sequence number.
    expect(submit()).toEqual({ ok: true, value: { id: '0.svr', seq: 0 } });
  });

  it('names the shortfall in the EXCEEDS_LIMITS message', () => {
    const r = submit({ resources: resources('select=1:ncpus=16') });
    expect(r.ok ? '' : r.error.message).toBe(
      'Job violates queue and/or server resource limits (Insufficient amount of resource: ncpus (R: 16 A: 4 T: 4))',
    );
  });

  it('accepts a job that fits an idle node even though the node is down now', () => {
    expect(cluster.isUp('n1')).toBe(false);
    expect(submit({ resources: resources('select=1:ncpus=4') }).ok).toBe(true);
  });

  it('the sequence counter survives closing and reopening the database', () => {
    submitted();
    submitted();
    store = temp.reopen();
    cluster = new Cluster(store);
    expect(submit()).toEqual({ ok: true, value: { id: '2.svr', seq: 2 } });
    expect(store.jobs.list(true).map((j) => j.seq)).toEqual([0, 1, 2]);
  });

  it('the sequence wraps after max_job_sequence_id and skips numbers still in use', () => {
    submitted(); // seq 0 stays in the table
    store.meta.set('next_seq', '9999999');
    expect(submit()).toEqual({ ok: true, value: { id: '9999999.svr', seq: 9999999 } });
    expect(submit()).toEqual({ ok: true, value: { id: '1.svr', seq: 1 } });
  });

  it('reapplying the migrations on reopen keeps the data', () => {
    submitted({ name: 'kept' });
    store = temp.reopen();
    expect(store.jobs.get(0)!.row.name).toBe('kept');
    const files = readdirSync(join(ROOT_DIR, 'migrations')).filter((f) => f.endsWith('.sql'));
    expect(store.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(files.length);
  });
});

describe('transition', () => {
  it('appends one event per change, and replaying the events reproduces the stored row', () => {
    const seq = submitted({}, 0);
    const steps = [
      transition(store, seq, { type: 'held', types: 'u', by: 'alice@h' }, at(1)),
      transition(store, seq, { type: 'released', types: 'u', by: 'alice@h' }, at(2)),
      transition(
        store,
        seq,
        { type: 'run', node: 'n1', attempt: 1, execHost: 'n1/0', execVnode: '(n1:ncpus=1)' },
        at(3),
      ),
      transition(store, seq, { type: 'started', attempt: 1, sessionId: 4321 }, at(4)),
      transition(
        store,
        seq,
        {
          type: 'exited',
          attempt: 1,
          status: 0,
          usage: { cput: 1, mem: 2048, vmem: 4096, walltime: 6, cpupercent: 16, ncpus: 1 },
        },
        at(10),
      ),
      transition(store, seq, { type: 'finished', attempt: 1 }, at(11)),
    ];
    expect(steps.map((r) => (r.ok ? r.value.row.state : r.error.code))).toEqual([
      'H',
      'Q',
      'R',
      'R',
      'E',
      'F',
    ]);
    expect(eventTypes(seq)).toEqual(['queued', 'held', 'released', 'run', 'started', 'exited', 'finished']);
    const stored = store.jobs.get(seq)!;
    expect(stored.row).toMatchObject({
      state: 'F',
      substate: 92,
      exitStatus: 0,
      sessionId: 4321,
      obittime: T0 + 11,
    });
    const replayed = replay(store.events.forJob(seq));
    expect(replayed).toEqual({ ok: true, value: stored.row });
    // the state column the queries use follows the row
    expect(store.jobs.inState('F').map((j) => j.seq)).toEqual([seq]);
  });

  it('each event keeps the time it was applied at', () => {
    const seq = submitted({}, 0);
    transition(store, seq, { type: 'held', types: 'u', by: 'alice@h' }, at(5));
    expect(store.events.forJob(seq).map((e) => e.at)).toEqual([at(0), at(5)]);
    expect(store.jobs.get(seq)!.row.mtime).toBe(T0 + 5);
  });

  it('an illegal event is refused and appends nothing', () => {
    const seq = submitted({ hold: true });
    const r = transition(store, seq, {
      type: 'run',
      node: 'n1',
      attempt: 1,
      execHost: 'n1/0',
      execVnode: '(n1:ncpus=1)',
    });
    expect(r.ok ? undefined : r.error.code).toBe('BAD_STATE');
    expect(eventTypes(seq)).toEqual(['queued']);
    expect(stateOf(seq)).toBe('H');
  });

  it('an unknown job is refused with UNKNOWN_JOB', () => {
    const r = transition(store, 99, { type: 'held', types: 'u', by: 'a@h' });
    expect(r.ok ? undefined : r.error.code).toBe('UNKNOWN_JOB');
  });

  it('a transition whose expected state is stale is refused and appends no event', () => {
    const seq = submitted();
    const snapshot = store.jobs.get(seq)!; // read while Q
    expect(transition(store, seq, { type: 'held', types: 'u', by: 'alice@h' }, at(1)).ok).toBe(true);
    // A writer that still believes the job is Q: it reads the old row, the reducer accepts `deleted`
    // from Q, but the guarded update finds the job in H.
    const staleStore: Store = { ...store, jobs: { ...store.jobs, get: () => structuredClone(snapshot) } };
    const r = transition(staleStore, seq, { type: 'deleted', by: 'bob@h' }, at(2));
    expect(r).toEqual({
      ok: false,
      error: { code: 'BAD_STATE', message: 'job 0.svr changed state meanwhile' },
    });
    expect(eventTypes(seq)).toEqual(['queued', 'held']);
    expect(store.jobs.get(seq)!.row).toMatchObject({ state: 'H', holdTypes: 'u' });
  });

  it('updateRow stores nothing when the job is no longer in the expected state', () => {
    const seq = submitted();
    const row = store.jobs.get(seq)!.row;
    expect(store.jobs.updateRow(seq, 'R', { ...row, name: 'changed' })).toBe(false);
    expect(store.jobs.get(seq)!.row.name).toBe('STDIN');
    expect(store.jobs.updateRow(seq, 'Q', { ...row, name: 'changed' })).toBe(true);
    expect(store.jobs.get(seq)!.row.name).toBe('changed');
  });
});

describe('job history (qdel -x)', () => {
  const rows = (seq: number) =>
    store.db
      .prepare(
        'SELECT (SELECT count(*) FROM jobs WHERE seq = ? OR array_parent = ?) + (SELECT count(*) FROM job_events WHERE seq = ?)',
      )
      .pluck()
      .get(seq, seq, seq) as number;

  it('purgeJob deletes a finished array with its subjobs in one committed batch of the statement log', () => {
    const seq = submitted({ array: { submitted: '1-2', style: 'pbs' } }, 0);
    const subjobs = store.jobs.subjobs(seq).map((j) => j.seq);
    for (const sub of subjobs)
      expect(transition(store, sub, { type: 'deleted', by: 'a@h' }, at(1)).ok).toBe(true);
    expect(stateOf(seq)).toBe('F');
    const batches: string[][] = [];
    const stop = store.statements.onCommit((b) => batches.push(b.statements.map(([sql]) => sql)));
    purgeJob(store, store.jobs.get(seq)!);
    stop();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.every((sql) => sql.startsWith('DELETE FROM'))).toBe(true);
    expect([seq, ...subjobs].map(rows)).toEqual([0, 0, 0]);
    expect(store.events.forJob(subjobs[0]!)).toEqual([]);
  });

  it('a marked job goes once it is F; one left marked when the head stopped goes when it starts', () => {
    const marked = submitted({}, 0);
    expect(transition(store, marked, { type: 'purge_requested', by: 'a@h' }, at(1)).ok).toBe(true);
    expect(stateOf(marked)).toBe('Q');
    expect(transition(store, marked, { type: 'deleted', by: 'a@h' }, at(2)).ok).toBe(true);
    expect(store.jobs.get(marked)).toBeUndefined();
    // F and marked, its deletion never committed (the head stopped between the two commits)
    const left = submitted({}, 0);
    const row = store.jobs.get(left)!.row;
    store.jobs.repair(left, { ...row, state: 'F', substate: 91, purgeRequestedBy: 'a@h' });
    const kept = submitted({}, 0);
    expect(purgeMarkedJobs(store)).toBe(1);
    expect(rows(left)).toBe(0);
    expect(stateOf(kept)).toBe('Q');
  });
});

describe('Dispatcher.tick', () => {
  const dispatcher = (clock = () => at(100)) => new Dispatcher(store, cluster, log, clock);

  it('runs a queued job on an up node, records its allocation, releases it at exited', () => {
    const seq = submitted({ resources: resources('select=1:ncpus=2:mem=1gb') });
    cluster.markUp('n1');
    dispatcher().tick();
    const job = store.jobs.get(seq)!;
    expect(job.row).toMatchObject({
      state: 'R',
      node: 'n1',
      attempt: 1,
      runCount: 1,
      execHost: 'n1/0*2',
      execVnode: '(n1:ncpus=2:mem=1048576kb)',
      stime: T0 + 100,
    });
    expect(eventTypes(seq)).toEqual(['queued', 'run']);
    expect(store.allocations.ofJob(seq)).toEqual([
      { node: 'n1', ncpus: 2, mem: 1024 ** 3, gpus: [], mpiprocs: 1, ompthreads: 2 },
    ]);
    expect(cluster.schedNodes()[0]).toMatchObject({
      name: 'n1',
      usedNcpus: 2,
      usedMem: 1024 ** 3,
      jobCount: 1,
    });

    const r = transition(store, seq, { type: 'exited', attempt: 1, status: 0 }, at(200));
    expect(r.ok).toBe(true);
    expect(store.allocations.ofJob(seq)).toEqual([]);
    expect(store.allocations.use().size).toBe(0);
    expect(cluster.schedNodes()[0]).toMatchObject({ usedNcpus: 0, usedMem: 0, jobCount: 0 });
  });

  it('a requeue releases the allocation too', () => {
    const seq = submitted();
    cluster.markUp('n1');
    dispatcher().tick();
    expect(store.allocations.ofJob(seq)).toHaveLength(1);
    expect(transition(store, seq, { type: 'requeued', attempt: 1, reason: 'node down' }, at(150)).ok).toBe(
      true,
    );
    expect(store.allocations.ofJob(seq)).toEqual([]);
    expect(stateOf(seq)).toBe('Q');
  });

  it('does not start jobs on a node that is not up', () => {
    const seq = submitted();
    dispatcher().tick();
    expect(stateOf(seq)).toBe('Q');
    expect(store.jobs.get(seq)!.schedComment).toBe('Not Running: No available nodes');
    expect(store.allocations.ofJob(seq)).toEqual([]);
  });

  it('does not start jobs on an offline node', () => {
    const seq = submitted();
    cluster.markUp('n1');
    store.nodes.setOffline('n1', true, 'maintenance', at(1));
    dispatcher().tick();
    expect(stateOf(seq)).toBe('Q');
  });

  it('starts jobs in priority order and records the waiting reason of a job that does not fit', () => {
    const low = submitted({ resources: resources('select=1:ncpus=3'), priority: 0 });
    const high = submitted({ resources: resources('select=1:ncpus=2'), priority: 10 });
    cluster.markUp('n1');
    dispatcher().tick();
    expect(stateOf(high)).toBe('R');
    expect(stateOf(low)).toBe('Q');
    expect(store.jobs.get(low)!.schedComment).toBe(
      'Not Running: Insufficient amount of resource: ncpus (R: 3 A: 2 T: 4)',
    );
    expect(store.jobs.get(high)!.schedComment).toBeUndefined();
  });

  it('clears the waiting reason when the job finally runs', () => {
    const first = submitted({ resources: resources('select=1:ncpus=4') });
    const second = submitted({ resources: resources('select=1:ncpus=4') });
    cluster.markUp('n1');
    const d = dispatcher();
    d.tick();
    expect(store.jobs.get(second)!.schedComment).toMatch(/^Not Running: /);
    transition(store, first, { type: 'exited', attempt: 1, status: 0 }, at(150));
    d.tick();
    expect(stateOf(second)).toBe('R');
    expect(store.jobs.get(second)!.schedComment).toBeUndefined();
  });

  it('promotes a W job once its execution time has passed', () => {
    const seq = submitted({ executionTime: T0 + 60 }, 0);
    cluster.markUp('n1');
    expect(stateOf(seq)).toBe('W');
    dispatcher(() => at(59)).tick();
    expect(stateOf(seq)).toBe('W');
    expect(eventTypes(seq)).toEqual(['queued']);
    dispatcher(() => at(60)).tick();
    expect(eventTypes(seq)).toEqual(['queued', 'eligible', 'run']);
    expect(store.jobs.get(seq)!.row).toMatchObject({ state: 'R', etime: T0 + 60, stime: T0 + 60 });
    expect(replay(store.events.forJob(seq))).toEqual({ ok: true, value: store.jobs.get(seq)!.row });
  });

  it('promotes a W job to Q even when no node can take it', () => {
    const seq = submitted({ executionTime: T0 + 60 }, 0);
    dispatcher(() => at(61)).tick();
    expect(stateOf(seq)).toBe('Q');
    expect(store.jobs.get(seq)!.schedComment).toBe('Not Running: No available nodes');
  });

  it('places jobs over several nodes and never over-commits one', () => {
    addNode(store, { name: 'n2', ncpus: 2 });
    cluster.markUp('n1');
    cluster.markUp('n2');
    const seqs = [1, 2, 3, 4, 5, 6, 7].map(() => submitted({ resources: resources('select=1:ncpus=1') }));
    dispatcher().tick();
    const running = seqs.filter((s) => stateOf(s) === 'R');
    expect(running).toHaveLength(6);
    const use = store.allocations.use();
    expect(use.get('n1')?.ncpus).toBe(4);
    expect(use.get('n2')?.ncpus).toBe(2);
    expect(stateOf(seqs[6]!)).toBe('Q');
  });
});
