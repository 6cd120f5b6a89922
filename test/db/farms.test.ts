// Render farms at the database tier: frames created with the array, a failed task retried on
// other nodes, the blocklist, the scheduler's view (avoid sets, the per-array cap), frames
// rendered again in a finished farm, the post job once every frame is done, and a farm whose
// history is deleted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FarmSpec } from '../../core/job-spec-types.js';
import type { Store } from '../../head/db/store.js';
import { Farms } from '../../head/farm/farm-jobs.js';
import { purgeJob } from '../../head/jobs/job-history.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { PendingQueue } from '../../head/scheduling/pending-queue.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec, T0 } from '../helpers/records.js';

let temp: TempStore;
let store: Store;
let farms: Farms;
let logs: string;
let cluster: Cluster;
const at = (s: number) => (T0 + s) * 1000;

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  for (const name of ['n1', 'n2', 'n3']) addNode(store, { name, ncpus: 1 });
  cluster = new Cluster(store);
  const ctx = { store, server: 'svr', nodes: () => cluster.schedNodes(), now: at(0) };
  logs = mkdtempSync(join(tmpdir(), 'drover-farmlogs-'));
  farms = new Farms({ store, logsDir: logs, submit: (spec) => submitJob(ctx, spec), clock: () => at(50) });
});
afterEach(() => {
  temp.dispose();
  rmSync(logs, { recursive: true, force: true });
});

function submitFarm(farm: Partial<FarmSpec> = {}): number {
  const spec = makeSpec({
    farm: {
      frames: [1, 2, 3, 4],
      chunk: 2,
      command: ['render', '{start}', '{end}'],
      retries: 2,
      nodeFailures: 2,
      ...farm,
    },
  });
  const r = submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes(), now: at(0) }, spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.seq;
}

const task = (farm: number, index: number) => store.jobs.subjobs(farm).find((j) => j.arrayIndex === index)!;

function run(farm: number, index: number, node: string): number {
  const j = task(farm, index);
  const attempt = j.row.attempt + 1;
  const e = { type: 'run' as const, node, attempt, execHost: `${node}/0`, execVnode: `(${node}:ncpus=1)` };
  const r = transition(store, j.seq, e, at(1));
  if (!r.ok) throw new Error(r.error.message);
  return attempt;
}

/** The task's attempt exits: a failure goes through the retry decision, as the head does. */
function exit(farm: number, index: number, node: string, status: number): void {
  const j = task(farm, index);
  if (status !== 0 && farms.retryFailed(j, node, status, undefined, at(2))) return;
  transition(store, j.seq, { type: 'exited', attempt: j.row.attempt, status }, at(2));
  transition(store, j.seq, { type: 'finished', attempt: j.row.attempt }, at(3));
  farms.afterFinish(j);
}

describe('render farms', () => {
  it('a finished farm whose history is deleted (qdel -x) leaves none of its rows', () => {
    const farm = submitFarm({ frames: [1, 2], chunk: 1 });
    run(farm, 1, 'n1');
    exit(farm, 1, 'n1', 0);
    run(farm, 2, 'n2');
    exit(farm, 2, 'n2', 0);
    expect(store.jobs.get(farm)?.row.state).toBe('F');
    expect(store.farms.all()).toContain(farm);
    purgeJob(store, store.jobs.get(farm)!);
    expect(store.farms.all()).not.toContain(farm);
    expect(store.farms.frames(farm)).toEqual([]);
    expect(store.jobs.get(farm)).toBeUndefined();
  });

  it('creates the frames with the array: chunks by position, one task each, the task script', () => {
    const farm = submitFarm({ frames: [7, 1, 9], chunk: 2 });
    expect(store.farms.frames(farm).map((f) => [f.frame, f.task, f.state])).toEqual([
      [7, 1, 'queued'],
      [1, 1, 'queued'],
      [9, 2, 'queued'],
    ]);
    expect(store.jobs.subjobs(farm)).toHaveLength(2);
    expect(store.jobs.script(farm)).toMatch(/^1\)\n {2}'render' '7' '1'\n {2};;$/m);
  });

  it('retries a failed task on other nodes, blocklists a node after K failures, then gives up', () => {
    const farm = submitFarm();
    run(farm, 1, 'n1');
    exit(farm, 1, 'n1', 3);
    expect(task(farm, 1).row).toMatchObject({ state: 'Q' });
    expect(task(farm, 1).row.comment).toMatch(
      /attempt 1 failed on n1 \(exit 3\); retry 1 of 2 on another node/,
    );
    // the task avoids n1; the other task does not, until n1 is blocklisted
    const avoid = () => new PendingQueue(store).read().map((j) => [j.id, [...(j.avoid ?? [])]]);
    expect(avoid()).toEqual([
      [task(farm, 1).id, ['n1']],
      [task(farm, 2).id, []],
    ]);
    run(farm, 2, 'n1');
    exit(farm, 2, 'n1', 1);
    expect(avoid()).toEqual([
      [task(farm, 1).id, ['n1']],
      [task(farm, 2).id, ['n1']],
    ]);
    run(farm, 1, 'n2');
    exit(farm, 1, 'n2', 3);
    run(farm, 1, 'n3');
    exit(farm, 1, 'n3', 3); // the third failure: retries (2) used up
    expect(task(farm, 1).row).toMatchObject({ state: 'F', exitStatus: 3 });
    expect(
      store.farms
        .frames(farm)
        .filter((f) => f.task === 1)
        .map((f) => f.state),
    ).toEqual(['failed', 'failed']);
    expect(store.farms.failures(farm).map((f) => [f.task, f.attempt, f.node])).toEqual([
      // (all at the same second here: by task, then attempt)
      [1, 1, 'n1'],
      [1, 2, 'n2'],
      [1, 3, 'n3'],
      [2, 1, 'n1'],
    ]);
    store.farms.clearBlocks(farm, 'n1');
    expect(avoid()).toEqual([[task(farm, 2).id, []]]);
  });

  it('reads failing tasks beyond the per-array cap, so a task that avoids the free node does not block the rest', () => {
    const farm = submitFarm({ frames: [1, 2, 3], chunk: 1 });
    run(farm, 1, 'n1');
    exit(farm, 1, 'n1', 3);
    // one free CPU: besides task 1 (which avoids n1), one more is read
    expect(new PendingQueue(store).read(1).map((j) => j.id)).toEqual([task(farm, 1).id, task(farm, 2).id]);
  });

  it('submits the post job when every frame is done, and renders frames again on request', () => {
    const farm = submitFarm({ thenCommand: 'assemble' });
    for (const i of [1, 2]) {
      run(farm, i, 'n1');
      exit(farm, i, 'n1', 0);
    }
    expect(store.jobs.get(farm)!.row.state).toBe('F');
    const post = store.farms.post(farm)!.job!;
    expect(store.jobs.get(post)!.spec).toMatchObject({
      name: `${store.jobs.get(farm)!.spec.name}.then`,
      farmPost: farm,
    });
    expect(store.jobs.script(post)).toMatch(/\nassemble\n$/);
    const again = farms.rerender(store.jobs.get(farm)!, [3], 'frames retried by the user');
    expect(again).toEqual({ ok: true, value: { tasks: [2] } });
    expect(store.jobs.get(farm)!.row.state).toBe('B');
    expect(task(farm, 2).row.state).toBe('Q');
    expect(store.farms.post(farm)!.job).toBeNull();
    expect(store.farms.frames(farm).map((f) => f.state)).toEqual(['done', 'done', 'queued', 'queued']);
    run(farm, 2, 'n2');
    expect(farms.rerender(store.jobs.get(farm)!, [4], 'again')).toMatchObject({ ok: false });
    exit(farm, 2, 'n2', 0);
    expect(store.farms.post(farm)!.job).not.toBe(post);
  });
});
