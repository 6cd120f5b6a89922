// Fair share on a real store: usage recorded at exit, the lighter user first in a fair-share queue.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/types.js';
import { Cluster } from '../../head/cluster.js';
import type { Store } from '../../head/db/index.js';
import { Dispatcher } from '../../head/dispatcher.js';
import { submitJob } from '../../head/submit.js';
import { transition } from '../../head/transitions.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

let temp: TempStore;
let store: Store;
let cluster: Cluster;
let dispatcher: Dispatcher;

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 8 });
  cluster = new Cluster(store);
  cluster.markUp('n1');
  dispatcher = new Dispatcher(store, cluster, pino({ level: 'silent' }));
});
afterEach(() => {
  dispatcher.stop();
  temp.dispose();
});

function submit(spec: Partial<JobSpec> = {}) {
  return submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes() }, makeSpec(spec));
}
function job(): number {
  const r = submit();
  if (!r.ok) throw new Error(r.error.message);
  return r.value.seq;
}
const row = (seq: number) => store.jobs.get(seq)!.row;
const state = (seq: number) => row(seq).state;

describe('fair share', () => {
  it('records allocated CPU-seconds at exit and runs the lighter user first in a fair-share queue', () => {
    store.queues.update('workq', { fairshare: true });
    const heavy = job();
    dispatcher.tick();
    const { attempt } = row(heavy);
    const usage = { cput: 0, mem: 0, vmem: 0, walltime: 3600, cpupercent: 0, ncpus: 1 };
    expect(transition(store, heavy, { type: 'exited', attempt, status: 0, usage }).ok).toBe(true);
    expect(store.fairshare.get('alice')?.usage).toBe(3600);
    // each takes the whole 8-CPU node: one runs, the other waits
    const a = submit({ user: 'alice', priority: 50, resources: resources('ncpus=8') });
    const b = submit({ user: 'bob', resources: resources('ncpus=8') });
    if (!a.ok || !b.ok) throw new Error('submit refused');
    dispatcher.tick();
    expect([state(a.value.seq), state(b.value.seq)]).toEqual(['Q', 'R']);
  });
});
