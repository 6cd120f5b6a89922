// The head's fencer on a real store: a node down and silent past the timeout loses its running
// jobs (requeued, or ended with -20 when not rerunnable) after its fence command, if any, succeeds;
// a failing or hanging command leaves them where they are and is retried later.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Fencer } from '../../head/nodes/fencer.js';
import type { NodeLink } from '../../head/nodes/node-link.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { waitUntil } from '../helpers/head.js';
import { makeSpec } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const log = pino({ level: 'silent' });
const TIMEOUT = 10_000;
let temp: TempStore;
let store: Store;
let cluster: Cluster;
let sent: [string, HeadMessage][];
let pokes: number;
/** the fencer's clock: real time plus what a test lets pass */
let skew: number;
let fencer: Fencer;

function fencerWith(commandTimeoutMs = 5000): Fencer {
  const settings = { timeoutMs: TIMEOUT, commandTimeoutMs };
  return new Fencer(
    store,
    cluster,
    log,
    settings,
    () => pokes++,
    () => Date.now() + skew,
  );
}

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 2 });
  addNode(store, { name: 'n2', ncpus: 2 });
  cluster = new Cluster(store);
  sent = [];
  cluster.send = (node, m) => {
    sent.push([node, m]);
    return true;
  };
  cluster.markUp('n1');
  cluster.markUp('n2');
  pokes = 0;
  skew = 0;
  fencer = fencerWith();
});
afterEach(() => {
  fencer.stop();
  temp.dispose();
});

/** A job started on a node (whichever the dispatcher picks); its seq. */
function runningJob(select: string, spec: Partial<JobSpec> = {}): number {
  const r = submitJob(
    { store, server: 'svr', nodes: () => cluster.schedNodes() },
    makeSpec({ resources: resources(select), outputPath: '/dev/null', errorPath: '/dev/null', ...spec }),
  );
  if (!r.ok) throw new Error(r.error.message);
  new Dispatcher(store, cluster, log).tick();
  expect(row(r.value.seq).state).toBe('R');
  sent = []; // the run messages
  return r.value.seq;
}
const row = (seq: number) => store.jobs.get(seq)!.row;
const nodeOf = (seq: number) => row(seq).node!;
const silentFor = (ms: number) => {
  skew = ms;
};

const until = async (what: () => boolean, ms = 5000): Promise<void> => {
  await waitUntil(() => what() || undefined, ms, 'the condition');
};

describe('Fencer', () => {
  it('waits until a down node has been silent for the timeout', () => {
    const seq = runningJob('select=1:ncpus=1');
    cluster.markDown(nodeOf(seq), 'connection lost: gone');
    silentFor(TIMEOUT - 1000);
    fencer.check();
    expect(row(seq).state).toBe('R');
    expect(store.fences.forNode(nodeOf(seq))).toEqual([]);
  });

  it('software-fences a node silent past the timeout: the attempt is recorded and the job requeued', () => {
    const seq = runningJob('select=1:ncpus=1');
    const node = nodeOf(seq);
    const id = store.jobs.get(seq)!.id;
    cluster.markDown(node, 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('Q');
    expect(row(seq).comment).toContain(`node ${node} down (connection lost: gone)`);
    expect(store.fences.forNode(node)).toEqual([{ jobId: id, attempt: 1 }]);
    expect(store.allocations.onNode(node)).toEqual([]);
    expect(pokes).toBe(1);
    const events = store.events.forJob(seq).map((e) => JSON.stringify(e));
    expect(events.some((e) => e.includes('"fenced"') && e.includes('software'))).toBe(true);
  });

  it("counts a restarted head's node silent from the head's first failure to reach it, not from its link's start", () => {
    const seq = runningJob('select=1:ncpus=1');
    const node = nodeOf(seq);
    // a head that has just started: the node's link is new and still making its first attempt
    cluster.attach({ name: node, lastHeard: 0 } as NodeLink);
    silentFor(10 * TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('R');
    // that attempt fails: the node is silent from now on
    skew = 0;
    cluster.markDown(node, 'connection lost: cannot reach agent at n1:22: refused');
    cluster.markDown(node, 'agent not answering: no heartbeat for 10 s (the connection is up)');
    silentFor(TIMEOUT - 1000);
    fencer.check();
    expect(row(seq).state).toBe('R');
    silentFor(TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('Q');
  });

  it('fences at once a node the head has no link to (its local node when started without --local)', () => {
    const seq = runningJob('select=1:ncpus=1');
    cluster.detach(nodeOf(seq));
    fencer.check();
    expect(row(seq).state).toBe('Q');
  });

  it('ends a job submitted with -r n with Exit_status -20', () => {
    const seq = runningJob('select=1:ncpus=1', { rerunable: false });
    cluster.markDown(nodeOf(seq), 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('F');
    expect(row(seq).exitStatus).toBe(-20);
  });

  it('never fences a node whose agent refused this head for a stale epoch, until it welcomes it again', () => {
    const seq = runningJob('select=1:ncpus=1');
    const node = nodeOf(seq);
    cluster.markDown(node, 'connection lost: gone');
    cluster.refuse(node, 2);
    silentFor(10 * TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('R');
    expect(store.fences.forNode(node)).toEqual([]);
    expect(pokes).toBe(0);
    cluster.markUp(node); // this head's hello was taken again: the node is its own
    expect(cluster.refusedFor(node)).toBeUndefined();
  });

  it('does nothing for a down node without running jobs', () => {
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(10 * TIMEOUT);
    fencer.check();
    expect(store.fences.forNode('n1')).toEqual([]);
    expect(pokes).toBe(0);
  });

  it('records the attempt on every node of a multi-node job and kills it on the sisters that are up', () => {
    const seq = runningJob('select=2:ncpus=2');
    const id = store.jobs.get(seq)!.id;
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('Q');
    expect(store.fences.forNode('n1')).toEqual([{ jobId: id, attempt: 1 }]);
    expect(store.fences.forNode('n2')).toEqual([{ jobId: id, attempt: 1 }]);
    expect(sent).toEqual([
      ['n2', { t: 'signal', jobId: id, attempt: 1, signal: 'SIGKILL', reason: 'fenced' }],
    ]);
  });

  it('runs the fence command with the node in its environment and takes the jobs once it exits 0', async () => {
    const out = join(temp.dir, 'fenced');
    addNode(store, {
      name: 'n1',
      ncpus: 2,
      fenceCmd: `/bin/sh -c 'echo "$DROVER_NODE $DROVER_HOST" > ${out}'`,
    });
    const seq = runningJob('select=1:ncpus=2');
    expect(nodeOf(seq)).toBe('n1');
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('R'); // not before the command succeeded
    await until(() => row(seq).state === 'Q');
    expect(readFileSync(out, 'utf8')).toBe('n1 n1.example.com\n');
    const events = store.events.forJob(seq).map((e) => JSON.stringify(e));
    expect(events.some((e) => e.includes('"fenced"') && e.includes('command'))).toBe(true);
  });

  it('leaves the jobs in place while the fence command fails, says why, and retries after the timeout', async () => {
    const tries = join(temp.dir, 'tries');
    addNode(store, {
      name: 'n1',
      ncpus: 2,
      fenceCmd: `/bin/sh -c 'echo x >> ${tries}; echo no power >&2; exit 3'`,
    });
    const seq = runningJob('select=1:ncpus=2');
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    await until(() => cluster.downReason('n1')?.includes('fence command failed') ?? false);
    expect(cluster.downReason('n1')).toBe(
      'connection lost: gone; fence command failed (exit 3: no power); its jobs wait until it succeeds or the node returns',
    );
    expect(row(seq).state).toBe('R');
    expect(store.fences.forNode('n1')).toEqual([]);
    fencer.check(); // too early for another try
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(tries, 'utf8')).toBe('x\n');
    silentFor(2 * TIMEOUT + 1000);
    fencer.check();
    await until(() => readFileSync(tries, 'utf8') === 'x\nx\n');
    expect(row(seq).state).toBe('R');
  });

  it('kills a fence command that outlives its timeout and counts it as failed', async () => {
    fencer = fencerWith(100);
    addNode(store, { name: 'n1', ncpus: 2, fenceCmd: '/bin/sleep 30' });
    const seq = runningJob('select=1:ncpus=2');
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    const started = Date.now();
    fencer.check();
    await until(() => cluster.downReason('n1')?.includes('fence command failed') ?? false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(cluster.downReason('n1')).toContain('killed by SIGKILL after the 0.1 s timeout');
    expect(row(seq).state).toBe('R');
  });

  it('runs one fence command at a time for a node', async () => {
    const tries = join(temp.dir, 'tries');
    addNode(store, { name: 'n1', ncpus: 2, fenceCmd: `/bin/sh -c 'echo x >> ${tries}; sleep 0.3'` });
    const seq = runningJob('select=1:ncpus=2');
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    fencer.check();
    fencer.check();
    await until(() => row(seq).state === 'Q');
    expect(readFileSync(tries, 'utf8')).toBe('x\n');
    expect(pokes).toBe(1);
  });

  it('refuses a fence command that does not parse, without taking the jobs', async () => {
    addNode(store, { name: 'n1', ncpus: 2, fenceCmd: "/bin/true 'unclosed" });
    const seq = runningJob('select=1:ncpus=2');
    cluster.markDown('n1', 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.check();
    await until(() => cluster.downReason('n1')?.includes('fence command failed') ?? false);
    expect(cluster.downReason('n1')).toContain('the fence command does not parse');
    expect(row(seq).state).toBe('R');
  });

  it('checks on its own once started, and no more once stopped', async () => {
    const seq = runningJob('select=1:ncpus=1');
    cluster.markDown(nodeOf(seq), 'connection lost: gone');
    silentFor(TIMEOUT);
    fencer.start(20);
    await until(() => row(seq).state === 'Q');
    fencer.stop();
    const again = runningJob('select=1:ncpus=1');
    cluster.markDown(nodeOf(again), 'connection lost: gone');
    await new Promise((r) => setTimeout(r, 100));
    expect(row(again).state).toBe('R');
  });

  it('leaves the jobs of a node that is up, also one back up after being down past the timeout', () => {
    const seq = runningJob('select=1:ncpus=1');
    const node = nodeOf(seq);
    silentFor(10 * TIMEOUT);
    fencer.check();
    expect(row(seq).state).toBe('R');
    cluster.markDown(node, 'connection lost: gone');
    cluster.markUp(node);
    fencer.check();
    expect(row(seq).state).toBe('R');
    expect(store.fences.forNode(node)).toEqual([]);
    expect(pokes).toBe(0);
  });
});
