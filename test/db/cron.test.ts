// Recurring jobs on a real store with a controllable clock: a template ticks into ordinary jobs
// with PBS_CRON_ID; ticks missed while the head was down run once; qdel of the C id removes it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { Store } from '../../head/db/store.js';
import { deleteCron, fireDueCrons, submitCron } from '../../head/jobs/cron-jobs.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

let temp: TempStore;
let store: Store;
let cluster: Cluster;
beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1' });
  cluster = new Cluster(store);
});
afterEach(() => temp.dispose());

const T = Math.floor(new Date('2026-12-01T10:00:30').getTime() / 1000);
const ctx = (s: number) => ({ store, server: 'svr', nodes: () => cluster.schedNodes(), now: s * 1000 });
const template = (cron: string, spec: Partial<JobSpec> = {}) => {
  const r = submitCron(ctx(T), makeSpec({ cron, name: 'nightly', script: 'echo hi\n', ...spec }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const fire = (s: number) => fireDueCrons(ctx(s), (id, m) => refusals.push(`${id}: ${m}`));
let refusals: string[] = [];

describe('recurring jobs', () => {
  it('stores a template (not a job) whose first tick is the next one from now', () => {
    const { id, seq } = template('0 * * * *');
    expect(id).toBe(`C${seq}.svr`);
    expect(store.jobs.list(true)).toEqual([]);
    expect(store.crons.get(seq)).toMatchObject({ schedule: '0 * * * *', nextAt: T + 59.5 * 60, runs: 0 });
  });

  it('each tick submits an ordinary job with PBS_CRON_ID and the stored script', () => {
    const { id, seq } = template('*/10 * * * *');
    expect(fire(T + 60)).toBe(0);
    expect(fire(T + 9.5 * 60)).toBe(1);
    const [job] = store.jobs.list(true);
    expect(job!.spec.variables).toContainEqual(['PBS_CRON_ID', id]);
    expect(job!.spec.cron).toBeUndefined();
    expect(store.jobs.script(job!.seq)).toBe('echo hi\n');
    expect(store.crons.get(seq)).toMatchObject({ runs: 1, lastJob: job!.id, nextAt: T + 19.5 * 60 });
  });

  it('ticks missed while the head was down run once, then the schedule goes on from now', () => {
    const { seq } = template('*/10 * * * *');
    const later = T + 5 * 3600; // 30 ticks missed
    expect(fire(later)).toBe(1);
    expect(fire(later)).toBe(0);
    expect(store.crons.get(seq)).toMatchObject({ runs: 1, nextAt: later - 30 + 10 * 60 });
    expect(store.jobs.list(true)).toHaveLength(1);
  });

  it('a refused tick (queue disabled) is reported and skipped; deleting the template stops it', () => {
    const { seq } = template('*/10 * * * *');
    store.queues.update('workq', { enabled: false });
    refusals = [];
    expect(fire(T + 600)).toBe(0);
    expect(refusals).toEqual([`C${seq}.svr: Queue is not enabled`]);
    expect(store.crons.get(seq)?.runs).toBe(0);
    expect(deleteCron(store, seq, 'svr').ok).toBe(true);
    expect(deleteCron(store, seq, 'svr')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_JOB' } });
    store.queues.update('workq', { enabled: true });
    expect(fire(T + 3600)).toBe(0);
  });

  it('refuses a schedule cron-parser cannot read, and an unknown queue', () => {
    expect(submitCron(ctx(T), makeSpec({ cron: '0 25 * * *' }))).toMatchObject({
      ok: false,
      error: { code: 'USAGE' },
    });
    expect(submitCron(ctx(T), makeSpec({ cron: '@daily', queue: 'nosuch' }))).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_QUEUE' },
    });
  });
});
