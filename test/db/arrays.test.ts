// Arrays and the scheduler's queue at the database tier: subjob rows, the parent following its
// subjobs, what the pending queue hands the scheduler (kept between passes, re-read after a rollback).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { PendingQueue } from '../../head/scheduling/pending-queue.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec, T0 } from '../helpers/records.js';

let temp: TempStore;
let store: Store;
let cluster: Cluster;
let queue: PendingQueue;
const at = (s: number) => (T0 + s) * 1000;

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 4 });
  cluster = new Cluster(store);
  queue = new PendingQueue(store);
});
afterEach(() => temp.dispose());

function submit(spec: Partial<JobSpec> = {}): { id: string; seq: number } {
  const r = submitJob(
    { store, server: 'svr', nodes: () => cluster.schedNodes(), now: at(0) },
    makeSpec(spec),
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const pendingIds = (free?: number) =>
  queue
    .read(free)
    .map((j) => j.id)
    .sort();

describe('array rows', () => {
  it('stores a parent and one subjob per index with internal seqs, the parent script and default paths', () => {
    const { id, seq } = submit({
      name: 'a',
      array: { submitted: '1-5:2', style: 'pbs' },
      script: 'echo hi\n',
    });
    expect(id).toBe(`${seq}[].svr`);
    const subjobs = store.jobs.subjobs(seq);
    expect(subjobs.map((j) => j.id)).toEqual([`${seq}[1].svr`, `${seq}[3].svr`, `${seq}[5].svr`]);
    expect(subjobs.every((j) => j.seq > 999_999_999_999 && j.arrayParent === seq)).toBe(true);
    expect(subjobs[1]!.outputPath).toMatch(new RegExp(`/a\\.o${seq}\\.3$`));
    expect(store.jobs.script(subjobs[0]!.seq)).toBe('echo hi\n');
    expect(store.jobs.get(seq)!.outputPath).toMatch(/\.o\d+\.\^array_index\^$/);
    // the next job takes the next visible number
    expect(submit().seq).toBe(seq + 1);
  });

  it('refuses an array over max_array_size at the head', () => {
    const r = submitJob(
      { store, server: 'svr', nodes: () => cluster.schedNodes() },
      makeSpec({ array: { submitted: '0-10000', style: 'pbs' } }),
    );
    expect(!r.ok && r.error.code).toBe('EXCEEDS_LIMITS');
    expect(store.jobs.list(true)).toEqual([]);
  });

  it('the parent is B after its first run and F with the worst category after its last subjob', () => {
    const { seq } = submit({ array: { submitted: '1-2', style: 'pbs' } });
    const [a, b] = store.jobs.subjobs(seq);
    const run = (s: number) =>
      transition(
        store,
        s,
        { type: 'run', node: 'n1', attempt: 1, execHost: 'n1/0', execVnode: '(n1:ncpus=1)' },
        at(1),
      );
    const end = (s: number, status: number) => {
      transition(store, s, { type: 'exited', attempt: 1, status }, at(2));
      transition(store, s, { type: 'finished', attempt: 1 }, at(3));
    };
    run(a!.seq);
    expect(store.jobs.get(seq)!.row.state).toBe('B');
    end(a!.seq, 0);
    expect(store.jobs.get(seq)!.row.state).toBe('B');
    run(b!.seq);
    end(b!.seq, -29);
    expect(store.jobs.get(seq)!.row).toMatchObject({ state: 'F', exitStatus: 2, substate: 93 });
    expect(store.events.forJob(seq).map((e) => e.type)).toEqual(['queued', 'array_begun', 'array_ended']);
  });
});

describe('the pending queue', () => {
  it('leaves out subjobs of held arrays and takes of an array only what the free CPUs could hold', () => {
    const plain = submit();
    const held = submit({ hold: true, array: { submitted: '1-3', style: 'pbs' } });
    const open = submit({ array: { submitted: '1-6', style: 'pbs' } });
    expect(pendingIds()).toEqual([plain.id, ...store.jobs.subjobs(open.seq).map((j) => j.id)].sort());
    expect(queue.read(2).filter((j) => j.array === open.seq)).toHaveLength(2);
    expect(queue.read(0).filter((j) => j.array === open.seq)).toHaveLength(1);
    transition(store, held.seq, { type: 'released', types: 'u', by: 'me' }, at(1));
    expect(queue.read().filter((j) => j.array === held.seq)).toHaveLength(3);
  });

  it('keeps the queue between reads and reads a rolled-back change again', () => {
    const a = submit();
    const b = submit();
    expect(pendingIds()).toEqual([a.id, b.id].sort());
    transition(store, a.seq, { type: 'held', types: 'u', by: 'me' }, at(1));
    expect(pendingIds()).toEqual([b.id]);
    expect(() =>
      store.transaction(() => {
        transition(store, b.seq, { type: 'held', types: 'u', by: 'me' }, at(2));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(pendingIds()).toEqual([b.id]);
  });
});
