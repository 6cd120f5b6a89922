// qsub -W block=true's held request on a real store: a job deleted with its history (qdel -x) in
// the transaction that ends it is answered as deleted (PBS's message, qsub exits 3), not unknown.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../head/db/store.js';
import { registerFeatures } from '../../head/features.js';
import { purgeJob } from '../../head/jobs/job-history.js';
import { JobWaits } from '../../head/jobs/job-waits.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

let temp: TempStore;
let store: Store;
let waits: JobWaits;
beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  waits = new JobWaits(store);
  registerFeatures(store, undefined, undefined, [waits.feature()]);
  addNode(store, { name: 'a', ncpus: 1 });
});
afterEach(() => temp.dispose());

const root = { user: 'root', uid: 0, host: 'h', local: true, role: 'manager' } as const;

it('answers a waiter whose job is deleted with its history in one transaction', async () => {
  const cluster = new Cluster(store);
  cluster.markUp('a');
  const spec = makeSpec({ hold: true, outputPath: '/dev/null', errorPath: '/dev/null' });
  const job = submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes() }, spec);
  if (!job.ok) throw new Error(job.error.message);
  const answer = waits.wait(job.value.id, root, 10_000, new AbortController().signal);
  expect(waits.waiting).toBe(1);
  store.transaction(() => {
    const r = transition(store, job.value.seq, { type: 'deleted', by: 'root@h' }, Date.now());
    if (!r.ok) throw new Error(r.error.message);
    purgeJob(store, store.jobs.get(job.value.seq)!);
  });
  expect(store.jobs.get(job.value.seq)).toBeUndefined();
  expect(await answer).toEqual({
    ok: true,
    value: { ended: true, message: 'Job to be deleted at request of root@h' },
  });
});
