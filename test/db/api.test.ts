import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { JobRecord, NodeRecord, QueueRecord, ServerRecord } from '../../core/record-types.js';
import { buildApp, type Identify } from '../../head/api/app.js';
import type { Store } from '../../head/db/store.js';
import type { OperandResult } from '../../head/jobs/job-operands.js';
import { Operations } from '../../head/jobs/operations.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec, T0 } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const bigMpiprocs = (() => {
  const r = resources('select=1:ncpus=1');
  return { ...r, chunks: [{ ...r.chunks[0]!, mpiprocs: 5_000_000_000 }] };
})();

const SERVER = 'svr';
/** an operator, once the test's head lists them (beforeEach) */
const OPERATOR = 'oscar@ops.example.com';
const BY = 'alice@submit.example.com';
const NOW = T0 * 1000;

let temp: TempStore;
let store: Store;
let app: FastifyInstance;
let cluster: Cluster;
let dispatcher: Dispatcher;

/**
 * Who sends each request: what a transport proves (head/auth/) stands in here as the test's own
 * `x-as: user@host` header (default alice@submit.example.com); `@head` is the head's own host.
 */
const identify: Identify = async (req) => {
  const [user = 'alice', host = 'submit.example.com'] = String(req.headers['x-as'] ?? BY).split('@');
  return ok({ user, uid: user === 'root' ? 0 : 1000 + user.length, host, local: host === 'head' });
};

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  // One node that is known but not up: jobs are accepted (they fit an idle node) and stay queued.
  addNode(store, { name: 'n1', ncpus: 4 });
  cluster = new Cluster(store);
  const clock = () => NOW;
  dispatcher = new Dispatcher(store, cluster, pino({ level: 'silent' }), clock);
  const ops = new Operations({ store, cluster, dispatcher, server: SERVER, clock });
  store.meta.setSettings({ ...store.meta.settings(), operators: ['oscar@*.example.com'] });
  app = buildApp({ ops, server: SERVER, identify, headUid: 0 });
});

afterEach(async () => {
  await app.close();
  // Let a scheduling pass that a request poked run before the database closes.
  await new Promise((resolve) => setImmediate(resolve));
  temp.dispose();
});

async function post(url: string, payload: unknown, as?: string) {
  const res = await app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    ...(as ? { headers: { 'x-as': as } } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function submit(spec: Partial<JobSpec> = {}): Promise<string> {
  const { status, body } = await post('/v1/jobs', { spec: makeSpec(spec) });
  expect(status).toBe(201);
  return (body as { id: string }).id;
}

async function query(operands: string[]): Promise<{ jobs: JobRecord[]; results: OperandResult[] }> {
  const { status, body } = await post('/v1/jobs/query', { operands });
  expect(status).toBe(200);
  return body;
}

async function stateOf(id: string): Promise<string | undefined> {
  return (await query([id])).jobs[0]?.state;
}

describe('POST /v1/jobs', () => {
  it('accepts a valid spec: 201 and the new id', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { spec: makeSpec() } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: '0.svr', seq: 0 });
    expect(store.jobs.get(0)?.row.state).toBe('Q');
  });

  it('names a control character or a NUL in its refusal', async () => {
    const nul = await post('/v1/jobs', { spec: makeSpec({ variables: [['FOO', 'a\u0000b']] }) });
    expect(nul.body).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'body/spec/variables/0/1 holds a NUL byte: refused',
    });
    const ctl = await post('/v1/jobs', { spec: makeSpec({ outputPath: '/tmp/a\nb' }) });
    expect(ctl.body.message).toBe('body/spec/outputPath holds a control character (or NUL): refused');
  });

  it('gives consecutive ids', async () => {
    expect([await submit(), await submit(), await submit()]).toEqual(['0.svr', '1.svr', '2.svr']);
  });

  const { name: _name, ...withoutName } = makeSpec();

  it.each([
    ['a missing field', { spec: withoutName }],
    ['a NUL in a variable', { spec: makeSpec({ variables: [['FOO', 'a\u0000b']] }) }],
    ['a newline in a path', { spec: makeSpec({ outputPath: '/tmp/a\nb' }) }],
    ['mpiprocs of 5000000000', { spec: makeSpec({ resources: bigMpiprocs }) }],
    [
      'a walltime beyond ten years',
      { spec: makeSpec({ resources: { ...resources('ncpus=1'), walltime: 4e8 } }) },
    ],
    ['a checkpoint interval beyond a year', { spec: makeSpec({ checkpoint: 'c=9999999' }) }],
    ['priority 5000', { spec: makeSpec({ priority: 5000 }) }],
    ['priority -5000', { spec: makeSpec({ priority: -5000 }) }],
    ['a relative workdir', { spec: makeSpec({ workdir: 'home/alice' }) }],
    ['a name with a space', { spec: makeSpec({ name: 'my job' }) }],
    ['no spec at all', {}],
    ['a body that is not JSON', 'not json'],
  ])('refuses %s: 400 BAD_REQUEST', async (_, payload) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: payload as object,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) });
    expect(body.message.length).toBeGreaterThan(0);
    expect(store.jobs.list(true)).toEqual([]);
  });

  // Each body schema says additionalProperties: false; an unknown field is a client error, not
  // something to drop silently (the head re-validates what the CLI sends).
  it.each([
    ['an extra property in the spec', { spec: { ...makeSpec(), colour: 'blue' } }],
    ['an extra property in the body', { spec: makeSpec(), extra: 1 }],
  ])('refuses %s: 400 BAD_REQUEST', async (_, payload) => {
    const { status, body } = await post('/v1/jobs', payload);
    expect({ status, code: body.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(body.statusCode).toBe(400);
    expect(store.jobs.list(true)).toEqual([]);
  });

  it('refuses an unknown queue with 400 UNKNOWN_QUEUE', async () => {
    const { status, body } = await post('/v1/jobs', { spec: makeSpec({ queue: 'nosuch' }) });
    expect(status).toBe(400);
    expect(body).toEqual({ statusCode: 400, code: 'UNKNOWN_QUEUE', message: 'Unknown queue' });
  });

  it('refuses a job larger than every node with 400 EXCEEDS_LIMITS', async () => {
    const spec = makeSpec();
    spec.resources.chunks[0]!.ncpus = 64;
    const { status, body } = await post('/v1/jobs', { spec });
    expect(status).toBe(400);
    expect(body.code).toBe('EXCEEDS_LIMITS');
  });

  it('refuses -W depend= on an unknown job with 404 UNKNOWN_JOB', async () => {
    const { status, body } = await post('/v1/jobs', { spec: makeSpec({ depend: 'afterok:0.svr' }) });
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'UNKNOWN_JOB', message: 'Unknown Job Id 0.svr (in -W depend=)' });
  });
});

describe('POST /v1/jobs/query', () => {
  it('answers per operand, with UNKNOWN_JOB and the expanded id for an unknown one', async () => {
    await submit({ name: 'first' });
    const body = await query(['0', '42', '0.svr']);
    expect(body.results).toEqual([
      { operand: '0', id: '0.svr' },
      { operand: '42', id: '42.svr', error: { code: 'UNKNOWN_JOB', message: 'Unknown Job Id 42.svr' } },
      { operand: '0.svr', id: '0.svr' },
    ]);
    expect(body.jobs.map((j) => [j.id, j.name, j.state, j.queue, j.owner])).toEqual([
      ['0.svr', 'first', 'Q', 'workq', BY],
      ['0.svr', 'first', 'Q', 'workq', BY],
    ]);
  });

  it('an id of another server is unknown here', async () => {
    await submit();
    const body = await query(['0.other']);
    expect(body.results).toEqual([
      {
        operand: '0.other',
        id: '0.other',
        error: { code: 'UNKNOWN_JOB', message: 'Unknown Job Id 0.other' },
      },
    ]);
    expect(body.jobs).toEqual([]);
  });

  it('without operands lists active jobs; history adds finished ones', async () => {
    await submit();
    await submit();
    await post('/v1/jobs/delete', { operands: ['1'], by: BY });
    const active = await post('/v1/jobs/query', {});
    expect(active.body.server).toBe(SERVER);
    expect(active.body.jobs.map((j: JobRecord) => j.id)).toEqual(['0.svr']);
    const all = await post('/v1/jobs/query', { history: true });
    expect(all.body.jobs.map((j: JobRecord) => [j.id, j.state])).toEqual([
      ['0.svr', 'Q'],
      ['1.svr', 'F'],
    ]);
  });

  it('refuses an empty operand list', async () => {
    const { status, body } = await post('/v1/jobs/query', { operands: [] });
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_REQUEST');
  });
});

describe('hold, release, delete', () => {
  it('round trip Q → H → Q → F, each step recorded as an event', async () => {
    const id = await submit();
    expect(await stateOf(id)).toBe('Q');

    const held = await post('/v1/jobs/hold', { operands: [id], types: 'u', by: BY });
    expect(held).toEqual({ status: 200, body: { results: [{ operand: id, id }] } });
    expect(await stateOf(id)).toBe('H');
    expect((await query([id])).jobs[0]?.holdTypes).toBe('u');

    const released = await post('/v1/jobs/release', { operands: [id], types: 'u', by: BY });
    expect(released.body.results).toEqual([{ operand: id, id }]);
    expect(await stateOf(id)).toBe('Q');

    const deleted = await post('/v1/jobs/delete', { operands: [id], by: BY });
    expect(deleted.body.results).toEqual([{ operand: id, id }]);
    const job = (await query([id])).jobs[0]!;
    expect(job).toMatchObject({ state: 'F', substate: 91 });

    expect(store.events.forJob(0).map((e) => e.type)).toEqual(['queued', 'held', 'released', 'deleted']);
  });

  it('delete of a finished job answers JOB_FINISHED', async () => {
    const id = await submit();
    await post('/v1/jobs/delete', { operands: [id], by: BY });
    const again = await post('/v1/jobs/delete', { operands: [id], by: BY });
    expect(again.body.results).toEqual([
      { operand: id, id, error: { code: 'JOB_FINISHED', message: 'Job has finished' } },
    ]);
    const hold = await post('/v1/jobs/hold', { operands: [id], types: 'u', by: BY });
    expect(hold.body.results[0].error.code).toBe('JOB_FINISHED');
  });

  it('answers each operand on its own', async () => {
    const id = await submit();
    const res = await post('/v1/jobs/hold', { operands: ['77', id], types: 'u', by: BY });
    expect(res.body.results).toEqual([
      { operand: '77', id: '77.svr', error: { code: 'UNKNOWN_JOB', message: 'Unknown Job Id 77.svr' } },
      { operand: id, id },
    ]);
    expect(await stateOf(id)).toBe('H');
  });

  it('refuses a bad hold type', async () => {
    const id = await submit();
    const res = await post('/v1/jobs/hold', { operands: [id], types: 'x', by: BY });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    expect(await stateOf(id)).toBe('Q');
  });

  it('a job submitted held is released to Q', async () => {
    const id = await submit({ hold: true });
    expect(await stateOf(id)).toBe('H');
    await post('/v1/jobs/release', { operands: [id], types: 'u', by: BY });
    expect(await stateOf(id)).toBe('Q');
  });
});

describe('a running job', () => {
  async function running(): Promise<string> {
    const id = await submit();
    cluster.markUp('n1');
    dispatcher.tick();
    expect(await stateOf(id)).toBe('R');
    return id;
  }

  it('delete asks for the kill and leaves the job R until it exits; a second delete is accepted', async () => {
    const id = await running();
    const first = await post('/v1/jobs/delete', { operands: [id] });
    expect(first.body.results).toEqual([{ operand: id, id }]);
    expect(store.jobs.get(0)?.row).toMatchObject({ state: 'R', deleteRequestedBy: BY });
    const second = await post('/v1/jobs/delete', { operands: [id] });
    expect(second.body.results).toEqual([{ operand: id, id }]);
    expect(store.events.forJob(0).map((e) => e.type)).toEqual(['queued', 'run', 'delete_requested']);
  });

  it('alter is refused with MODIFY_RUNNING', async () => {
    const id = await running();
    const res = await post('/v1/jobs/alter', { operands: [id], alteration: { name: 'x' }, by: BY });
    expect(res.body.results).toEqual([
      {
        operand: id,
        id,
        error: { code: 'MODIFY_RUNNING', message: 'Cannot modify attribute while job running' },
      },
    ]);
  });

  it('a hold is recorded and the job keeps running', async () => {
    const id = await running();
    const res = await post('/v1/jobs/hold', { operands: [id], types: 'u', by: BY });
    expect(res.body.results).toEqual([{ operand: id, id }]);
    expect((await query([id])).jobs[0]).toMatchObject({ state: 'R', holdTypes: 'u' });
  });

  it('GET /v1/nodes shows the job on its node', async () => {
    const id = await running();
    const nodes = (await app.inject({ method: 'GET', url: '/v1/nodes' })).json().nodes as NodeRecord[];
    expect(nodes[0]).toMatchObject({ name: 'n1', state: 'free', assignedNcpus: 1, jobs: [`${id}/0`] });
  });
});

describe('POST /v1/jobs/alter', () => {
  it('changes the name and the priority', async () => {
    const id = await submit();
    const res = await post('/v1/jobs/alter', {
      operands: [id],
      alteration: { name: 'renamed', priority: 100 },
      by: BY,
    });
    expect(res).toEqual({ status: 200, body: { results: [{ operand: id, id }] } });
    const job = (await query([id])).jobs[0]!;
    expect(job.name).toBe('renamed');
    expect(job.spec.name).toBe('renamed');
    expect(job.spec.priority).toBe(100);
    expect(store.events.forJob(0).map((e) => e.type)).toEqual(['queued', 'altered']);
  });

  it('sets and clears holds through the hold field', async () => {
    const id = await submit();
    await post('/v1/jobs/alter', { operands: [id], alteration: { hold: 'u' }, by: BY });
    expect(await stateOf(id)).toBe('H');
    await post('/v1/jobs/alter', { operands: [id], alteration: { hold: 'n' }, by: BY });
    expect(await stateOf(id)).toBe('Q');
  });

  it('refuses a priority out of range', async () => {
    const id = await submit();
    const res = await post('/v1/jobs/alter', { operands: [id], alteration: { priority: 5000 }, by: BY });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });

  it('refuses a finished job with JOB_FINISHED', async () => {
    const id = await submit();
    await post('/v1/jobs/delete', { operands: [id], by: BY });
    const res = await post('/v1/jobs/alter', { operands: [id], alteration: { name: 'x' }, by: BY });
    expect(res.body.results[0].error.code).toBe('JOB_FINISHED');
  });
});

describe('GET /v1/server', () => {
  it('counts the jobs by state, leaving finished ones out', async () => {
    await submit();
    await submit();
    const held = await submit({ hold: true });
    const gone = await submit();
    await post('/v1/jobs/delete', { operands: [gone], by: BY });
    const res = await app.inject({ method: 'GET', url: '/v1/server' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { server: ServerRecord; queues: QueueRecord[] };
    expect(held).toBe('2.svr');
    expect(body.server).toMatchObject({
      name: SERVER,
      defaultQueue: 'workq',
      status: 'Active',
      total: 3,
      now: T0,
    });
    expect(body.server.counts).toMatchObject({ Q: 2, H: 1, R: 0, F: 0 });
    expect(body.queues).toHaveLength(1);
    expect(body.queues[0]).toMatchObject({ name: 'workq', enabled: true, started: true, total: 3 });
    expect(body.queues[0]?.counts).toMatchObject({ Q: 2, H: 1 });
  });
});

describe('nodes', () => {
  it('GET /v1/nodes lists the nodes', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nodes' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { server: ServerRecord; nodes: NodeRecord[] };
    expect(body.server.name).toBe(SERVER);
    expect(body.nodes).toHaveLength(1);
    expect(body.nodes[0]).toMatchObject({
      name: 'n1',
      host: 'n1.example.com',
      state: 'down',
      ncpus: 4,
      assignedNcpus: 0,
      jobs: [],
    });
  });

  it('POST /v1/nodes/offline marks a known node and answers UNKNOWN_NODE for an unknown one', async () => {
    const res = await post('/v1/nodes/offline', { names: ['n1', 'nosuch'], comment: 'disk swap' }, OPERATOR);
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { name: 'n1' },
      { name: 'nosuch', error: { code: 'UNKNOWN_NODE', message: 'Unknown node nosuch' } },
    ]);
    expect(store.nodes.get('n1')).toMatchObject({ offline: true, comment: 'disk swap' });
    const nodes = (await app.inject({ method: 'GET', url: '/v1/nodes' })).json().nodes as NodeRecord[];
    expect(nodes[0]).toMatchObject({ state: 'down,offline', comment: 'disk swap' });

    const online = await post('/v1/nodes/online', { names: ['n1'] }, 'root@head');
    expect(online.body.results).toEqual([{ name: 'n1' }]);
    expect(store.nodes.get('n1')?.offline).toBe(false);
  });
});
