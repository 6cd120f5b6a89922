// Damaged job records found when the head starts: each such job ends (F, Exit_status -1, the reason
// in its comment and history); every other job, and every query, goes on as before.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../head/db/store.js';
import { endDamagedJobs } from '../../head/jobs/damaged-records.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

const log = pino({ level: 'silent' });
let temp: TempStore;
let store: Store;

function submit(spec = makeSpec()): number {
  const r = submitJob({ store, server: 'svr', nodes: () => new Cluster(store).schedNodes() }, spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.seq;
}

const sql = (text: string, ...args: unknown[]) => store.db.prepare(text).run(...args);

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 4 });
});
afterEach(() => temp.dispose());

describe('damaged job records at start', () => {
  it('ends a job whose spec is not JSON, one beyond the bounds and one whose row is garbage; the rest stay', () => {
    const good = submit();
    const unreadable = submit();
    const huge = submit();
    const garbage = submit();
    sql('UPDATE jobs SET spec = ? WHERE seq = ?', '{"name": "x", broken', unreadable);
    sql(
      "UPDATE jobs SET spec = json_set(spec, '$.resources.chunks[0].mpiprocs', 5000000000), row = json_set(row, '$.resources.chunks[0].mpiprocs', 5000000000) WHERE seq = ?",
      huge,
    );
    sql('UPDATE jobs SET row = ? WHERE seq = ?', 'not json at all', garbage);

    const ended = endDamagedJobs(store, log);

    expect(ended.sort()).toEqual(['1.svr', '2.svr', '3.svr']);
    expect(store.jobs.get(good)!.row.state).toBe('Q');
    for (const seq of [unreadable, huge, garbage]) {
      const job = store.jobs.get(seq)!;
      expect(job.row).toMatchObject({ state: 'F', exitStatus: -1 });
      expect(job.row.comment).toMatch(/^Job record damaged, job ended when the head started: /);
      expect(store.events.forJob(seq).at(-1)).toMatchObject({ type: 'failed', status: -1 });
    }
    expect(store.jobs.get(huge)!.row.comment).toContain('mpiprocs must be <= 65536');
    // every job can be listed again
    expect(store.jobs.list(true)).toHaveLength(4);
  });

  it('ends the subjobs of a damaged array, and leaves a finished job its outcome', () => {
    const array = submit(makeSpec({ array: { submitted: '1-3', style: 'pbs' } }));
    const done = submit();
    sql(
      "UPDATE jobs SET row = json_set(row, '$.state', 'F', '$.exitStatus', 0), state = 'F' WHERE seq = ?",
      done,
    );
    sql('UPDATE jobs SET spec = ? WHERE seq = ?', '[[[', array);
    sql('UPDATE jobs SET spec = ? WHERE seq = ?', '{oops', done);

    endDamagedJobs(store, log);

    expect(store.jobs.get(array)!.row.state).toBe('F');
    expect(store.jobs.subjobs(array).map((j) => j.row.state)).toEqual(['F', 'F', 'F']);
    expect(store.jobs.get(done)!.row).toMatchObject({ state: 'F', exitStatus: 0 });
    expect(store.jobs.get(done)!.spec.name).toBe('damaged');
  });

  it('finds nothing in a sound database', () => {
    submit();
    submit(makeSpec({ array: { submitted: '1-2', style: 'pbs' } }));
    expect(endDamagedJobs(store, log)).toEqual([]);
  });
});
