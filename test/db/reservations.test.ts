// Advance reservations on a real store: a head that stopped after a reservation's end had
// committed, but before its jobs' deletion was asked for, asks for it at its first tick (once).
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { storeReservation } from '../../head/reservations/reservation-steps.js';
import { Reservations } from '../../head/reservations/reservations.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

let temp: TempStore;
let store: Store;
beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'a', ncpus: 2 });
});
afterEach(() => temp.dispose());

it('deletes again, once, the jobs of a reservation whose end committed before the head stopped', () => {
  const now = Math.floor(Date.now() / 1000);
  const request = { start: now + 3600, end: now + 7200, resources: [{ name: 'ncpus', value: '1' }] };
  const r = storeReservation(store, 'svr', request, 'alice@h', now);
  if (!r.ok) throw new Error(r.error.message);
  store.queues.update(r.value.queue, { enabled: true });
  const spec = makeSpec({
    queue: r.value.queue,
    user: 'alice',
    outputPath: '/dev/null',
    errorPath: '/dev/null',
  });
  const cluster = new Cluster(store);
  cluster.markUp('a');
  const job = submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes() }, spec);
  if (!job.ok) throw new Error(job.error.message);
  // the end as it committed: the reservation is being deleted, its job not asked to go yet
  store.reservations.setState(r.value.seq, 'deleting', now);

  const asked: string[][] = [];
  const resv = new Reservations({
    store,
    server: 'svr',
    cluster,
    log: pino({ level: 'silent' }),
    poke: () => {},
    deleteJobs: (ids) => asked.push(ids),
  });
  try {
    resv.tick();
    expect(asked).toEqual([[job.value.id]]);
    resv.tick();
    expect(asked).toHaveLength(1);
    expect(store.reservations.get(r.value.seq)?.state).toBe('deleting');
  } finally {
    resv.stop();
  }
});
