// Preemption through the dispatcher on a real store with one 1-CPU node: the job of an express
// queue suspends (default SCR) or requeues (R) the running job of workq, and a victim suspended
// before a head restart is resumed by the new head once its preemptor has run.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { Store } from '../../head/db/store.js';
import { createQueue } from '../../head/jobs/queue-admin.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const log = pino({ level: 'silent' });
let temp: TempStore;
let store: Store;
let sent: [string, HeadMessage][];
let nodes: Cluster;

function submit(queue: string): number {
  const spec = makeSpec({
    queue,
    resources: resources('ncpus=1'),
    outputPath: '/dev/null',
    errorPath: '/dev/null',
  });
  const r = submitJob({ store, server: 'svr', nodes: () => nodes.schedNodes() }, spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.seq;
}

const row = (seq: number) => store.jobs.get(seq)!.row;
const idOf = (seq: number) => store.jobs.get(seq)!.id;
/** The agent said the current attempt started. */
const started = (seq: number) =>
  transition(store, seq, { type: 'started', attempt: row(seq).attempt, sessionId: 4000 + seq });
/** The current attempt ended and its output was delivered. */
function ended(seq: number): void {
  const attempt = row(seq).attempt;
  expect(transition(store, seq, { type: 'exited', attempt, status: 0 }).ok).toBe(true);
  expect(transition(store, seq, { type: 'finished', attempt }).ok).toBe(true);
}

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'a', ncpus: 1 });
  expect(createQueue(store, 'express', { priority: 200 }).ok).toBe(true);
  sent = [];
  nodes = new Cluster(store);
  nodes.send = (node, m) => {
    sent.push([node, m]);
    return true;
  };
  nodes.markUp('a');
});
afterEach(() => temp.dispose());

describe('preemption in the dispatcher', () => {
  it('suspends the workq job for the express job, and resumes it after a head restart once that one has run', () => {
    let dispatcher = new Dispatcher(store, nodes, log);
    const low = submit('workq');
    dispatcher.tick();
    started(low);
    const high = submit('express');
    sent = [];
    dispatcher.tick();
    expect(sent).toEqual([['a', { t: 'suspend', jobId: idOf(low), attempt: 1 }]]);
    expect(row(low)).toMatchObject({
      state: 'R',
      substate: 43,
      preempted: { method: 'S', for: idOf(high) },
      comment: 'Job preempted by suspension',
    });
    // a new head: the express job takes the CPU, the victim waits for it (45)
    dispatcher.stop();
    dispatcher = new Dispatcher(store, nodes, log);
    dispatcher.tick();
    expect(row(high)).toMatchObject({ state: 'R', node: 'a' });
    started(high);
    dispatcher.tick();
    expect(row(low).substate).toBe(45);
    sent = [];
    ended(high);
    dispatcher.tick();
    expect(sent).toEqual([['a', { t: 'resume', jobId: idOf(low), attempt: 1 }]]);
    expect(row(low)).toMatchObject({ state: 'R', substate: 42, attempt: 1 });
    expect(row(low).preempted).toBeUndefined();
    dispatcher.stop();
  });

  it('with preempt_order R kills the workq job to requeue it, once; a -r n job is spared', () => {
    store.meta.setSettings({ ...store.meta.settings(), preemptOrder: 'R' });
    const dispatcher = new Dispatcher(store, nodes, log);
    const low = submit('workq');
    dispatcher.tick();
    started(low);
    submit('express');
    sent = [];
    dispatcher.tick();
    const kill = { t: 'signal', jobId: idOf(low), attempt: 1, signal: 'SIGTERM', reason: 'rerun' };
    expect(sent).toEqual([['a', kill]]);
    expect(row(low)).toMatchObject({ rerunRequestedBy: 'Scheduler', comment: 'Job preempted by requeuing' });
    // until it has gone, later passes preempt nothing more
    sent = [];
    dispatcher.tick();
    expect(sent).toEqual([]);
    dispatcher.stop();
  });

  it('spares a job neither checkpointable nor rerunnable when the order has no S', () => {
    store.meta.setSettings({ ...store.meta.settings(), preemptOrder: 'CR' });
    const dispatcher = new Dispatcher(store, nodes, log);
    const spec = makeSpec({ rerunable: false, resources: resources('ncpus=1') });
    const kept = submitJob({ store, server: 'svr', nodes: () => nodes.schedNodes() }, spec);
    if (!kept.ok) throw new Error(kept.error.message);
    dispatcher.tick();
    started(kept.value.seq);
    const high = submit('express');
    sent = [];
    dispatcher.tick();
    expect(sent).toEqual([]);
    expect(row(kept.value.seq)).toMatchObject({ state: 'R', substate: 42 });
    expect(row(high).state).toBe('Q');
    dispatcher.stop();
  });
});
