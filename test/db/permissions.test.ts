// Who may do what through the API (PBS's owner/operator/manager rules and the server's limits), on
// a real store. Identity is what a transport proves; here the test's `identify` stands in for it.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { JobRecord } from '../../core/record-types.js';
import { BODY_LIMIT, buildApp, type Identify } from '../../head/api/app.js';
import type { Store } from '../../head/db/store.js';
import { Operations } from '../../head/jobs/operations.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec, T0 } from '../helpers/records.js';

const ALICE = 'alice@submit.example.com';
const BOB = 'bob@submit.example.com';
const OSCAR = 'oscar@ops.example.com';
const MIA = 'mia@admin.example.com';
/** root on the head host (its Unix socket) */
const ROOT = 'root@head';

let temp: TempStore;
let store: Store;
let app: FastifyInstance;

/** `x-as: user@host` stands for the proven identity; `x-bad` for a credential that fails. */
const identify: Identify = async (req) => {
  if (req.headers['x-bad']) return refuse('BAD_CREDENTIAL', 'Invalid credential (test)');
  const [user = '', host = ''] = String(req.headers['x-as'] ?? ALICE).split('@');
  return ok({ user, uid: user === 'root' ? 0 : 1000 + user.length, host, local: host === 'head' });
};

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 4 });
  const cluster = new Cluster(store);
  const clock = () => T0 * 1000;
  const dispatcher = new Dispatcher(store, cluster, pino({ level: 'silent' }), clock);
  const ops = new Operations({ store, cluster, dispatcher, server: 'svr', clock });
  store.meta.setSettings({
    ...store.meta.settings(),
    operators: ['oscar@*'],
    managers: ['mia@admin.example.com'],
  });
  app = buildApp({ ops, server: 'svr', identify, headUid: 0 });
});

afterEach(async () => {
  await app.close();
  await new Promise((resolve) => setImmediate(resolve));
  temp.dispose();
});

async function call(as: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await app.inject({ method, url, headers: { 'x-as': as }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
}

async function submit(as: string, spec: Partial<JobSpec> = {}) {
  return call(as, 'POST', '/v1/jobs', { spec: makeSpec(spec) });
}

async function submitted(as: string, spec: Partial<JobSpec> = {}): Promise<string> {
  const r = await submit(as, spec);
  expect(r.status).toBe(201);
  return r.body.id;
}

const unauthorized = { code: 'UNAUTHORIZED', message: 'Unauthorized Request ' };

async function jobs(as: string, operands?: string[]): Promise<{ jobs: JobRecord[]; results: unknown[] }> {
  return (await call(as, 'POST', '/v1/jobs/query', operands ? { operands } : {})).body;
}

describe('identity', () => {
  it('a job belongs to whoever sent it: the user named in the body is ignored', async () => {
    const id = await submitted(BOB, { user: 'root' });
    const [job] = (await jobs(BOB, [id])).jobs;
    expect(job).toMatchObject({ owner: BOB, spec: { user: 'bob' } });
  });

  it('`by` in a body is ignored: the event names the requester', async () => {
    const id = await submitted(ALICE);
    const r = await call(BOB, 'POST', '/v1/jobs/delete', { operands: [id], by: 'alice@submit.example.com' });
    expect(r.body.results).toEqual([{ operand: id, id, error: unauthorized }]);
    await call(OSCAR, 'POST', '/v1/jobs/hold', { operands: [id], types: 'u', by: ALICE });
    expect(store.events.forJob(0).at(-1)).toMatchObject({ type: 'held', by: OSCAR });
  });

  it('a request whose credential fails is refused with a coded error before anything else', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'x-bad': '1' }, payload: {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      statusCode: 401,
      code: 'BAD_CREDENTIAL',
      message: 'Invalid credential (test)',
    });
  });

  it('a body over the limit gets a coded error', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { 'content-type': 'application/json', 'x-as': ALICE },
      payload: `{"spec":{"script":"${'x'.repeat(BODY_LIMIT)}"}}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('16 MiB') });
  });
});

describe('job control', () => {
  it.each([
    ['/v1/jobs/delete', {}],
    ['/v1/jobs/rerun', {}],
    ['/v1/jobs/alter', { alteration: { priority: 5 } }],
    ['/v1/jobs/hold', { types: 'u' }],
    ['/v1/jobs/release', { types: 'u' }],
  ])("%s of another user's job: 159 Unauthorized Request", async (url, extra) => {
    const id = await submitted(ALICE);
    const r = await call(BOB, 'POST', url, { operands: [id], ...extra });
    expect(r.body.results).toEqual([{ operand: id, id, error: unauthorized }]);
    expect(store.jobs.get(0)?.row).toMatchObject({ state: 'Q', priority: 0 });
  });

  it('the owner, an operator and a manager may act on the job', async () => {
    const id = await submitted(ALICE);
    for (const as of [ALICE, OSCAR, MIA]) {
      expect((await call(as, 'POST', '/v1/jobs/hold', { operands: [id], types: 'u' })).body.results).toEqual([
        { operand: id, id },
      ]);
      expect(
        (await call(as, 'POST', '/v1/jobs/release', { operands: [id], types: 'u' })).body.results,
      ).toEqual([{ operand: id, id }]);
    }
    expect((await call(OSCAR, 'POST', '/v1/jobs/delete', { operands: [id] })).body.results).toEqual([
      { operand: id, id },
    ]);
  });

  it.each([
    [ALICE, 'o', false],
    [OSCAR, 'o', true],
    [OSCAR, 's', false],
    [MIA, 's', true],
    [OSCAR, 'p', false],
    [ROOT, 'p', true],
  ])('%s setting hold %s: %s', async (as, types, allowed) => {
    const id = await submitted(ALICE);
    const r = await call(as, 'POST', '/v1/jobs/hold', { operands: [id], types });
    expect(r.body.results).toEqual([
      allowed ? { operand: id, id } : { operand: id, id, error: unauthorized },
    ]);
    expect(store.jobs.get(0)?.row.holdTypes).toBe(allowed ? types : 'n');
  });

  it('qalter -h follows the hold rules: the owner cannot set an operator hold', async () => {
    const id = await submitted(ALICE);
    const r = await call(ALICE, 'POST', '/v1/jobs/alter', { operands: [id], alteration: { hold: 'o' } });
    expect(r.body.results).toEqual([{ operand: id, id, error: unauthorized }]);
  });

  it('a recurring template is deleted by its owner only', async () => {
    const id = await submitted(ALICE, { cron: '@daily' });
    expect((await call(BOB, 'POST', '/v1/jobs/delete', { operands: [id] })).body.results).toEqual([
      { operand: id, id, error: unauthorized },
    ]);
    expect((await call(ALICE, 'POST', '/v1/jobs/delete', { operands: [id] })).body.results).toEqual([
      { operand: id, id },
    ]);
  });
});

describe('query_other_jobs', () => {
  it('True (the default): everybody sees every job', async () => {
    await submitted(ALICE);
    await submitted(BOB);
    expect((await jobs(BOB)).jobs.map((j) => j.owner)).toEqual([ALICE, BOB]);
  });

  it('False: users see their own jobs only; operators and managers see all', async () => {
    const a = await submitted(ALICE);
    await submitted(BOB);
    expect((await call(MIA, 'POST', '/v1/server/set', { changes: { queryOtherJobs: false } })).status).toBe(
      200,
    );
    expect((await jobs(BOB)).jobs.map((j) => j.owner)).toEqual([BOB]);
    expect((await jobs(BOB, [a])).results).toEqual([{ operand: a, id: a, error: unauthorized }]);
    const trace = await call(BOB, 'POST', '/v1/jobs/trace', { operand: a });
    expect(trace).toMatchObject({ status: 403, body: { code: 'UNAUTHORIZED' } });
    expect((await jobs(OSCAR)).jobs).toHaveLength(2);
  });
});

describe('administration', () => {
  it.each([
    ['/v1/queues', { name: 'short', changes: {} }],
    ['/v1/queues/set', { name: 'workq', changes: { maxRun: 1 } }],
    ['/v1/queues/delete', { name: 'workq' }],
    ['/v1/server/default-queue', { name: 'workq' }],
    ['/v1/server/set', { changes: { managers: { op: '+=', entries: ['bob@*'] } } }],
    ['/v1/nodes', { name: 'n2', host: 'n2.example.com', agentCmd: 'touch /tmp/pwned' }],
    ['/v1/nodes/remove', { name: 'n1' }],
    ['/v1/nodes/comment', { names: ['n1'], comment: 'mine now' }],
  ])('%s is for managers: an operator gets 159', async (url, body) => {
    const r = await call(OSCAR, 'POST', url, body);
    expect(r.body).toMatchObject(
      url === '/v1/nodes/comment'
        ? { results: [{ name: 'n1', error: { code: 'UNAUTHORIZED' } }] }
        : { code: 'UNAUTHORIZED' },
    );
    expect(store.queues.all().map((q) => q.name)).toEqual(['workq']);
    expect(store.meta.settings().managers).toEqual(['mia@admin.example.com']);
    expect(store.nodes.get('n1')?.comment).toBeUndefined();
  });

  it('offline/online is for operators too, not for users', async () => {
    const user = await call(ALICE, 'POST', '/v1/nodes/offline', { names: ['n1'] });
    expect(user.body.results).toEqual([
      { name: 'n1', error: { code: 'UNAUTHORIZED', message: 'Unauthorized Request' } },
    ]);
    expect(store.nodes.get('n1')?.offline).toBe(false);
    expect((await call(OSCAR, 'POST', '/v1/nodes/offline', { names: ['n1'] })).body.results).toEqual([
      { name: 'n1' },
    ]);
    expect(store.nodes.get('n1')?.offline).toBe(true);
  });

  it('a manager changes queues and the server; acl_roots only root on the head host', async () => {
    expect((await call(MIA, 'POST', '/v1/queues', { name: 'short', changes: {} })).status).toBe(200);
    const roots = { changes: { aclRoots: { op: '=', entries: ['root@*'] } } };
    expect((await call(MIA, 'POST', '/v1/server/set', roots)).body).toEqual({
      statusCode: 403,
      code: 'READ_ONLY',
      message: 'Cannot set attribute, read only or insufficient permission acl_roots',
    });
    expect((await call(ROOT, 'POST', '/v1/server/set', roots)).status).toBe(200);
    expect(store.meta.settings().aclRoots).toEqual(['root@*']);
  });

  it('scheduling is turned off and on by operators and managers (PBS: NO_USER_SET), not users', async () => {
    const off = { changes: { scheduling: false } };
    expect((await call(ALICE, 'POST', '/v1/server/set', off)).body).toMatchObject({ code: 'UNAUTHORIZED' });
    // with another attribute the change is the managers' alone
    const both = { changes: { scheduling: false, queryOtherJobs: false } };
    expect((await call(OSCAR, 'POST', '/v1/server/set', both)).body).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(store.meta.settings().scheduling).toBe(true);
    expect((await call(OSCAR, 'POST', '/v1/server/set', off)).status).toBe(200);
    expect(store.meta.settings().scheduling).toBe(false);
    expect((await call(MIA, 'POST', '/v1/server/set', { changes: { scheduling: null } })).status).toBe(200);
    expect(store.meta.settings().scheduling).toBe(true);
  });

  it("qdel -x: a finished job's record goes by its owner, an operator or a manager, not another user", async () => {
    const ids = [await submitted(ALICE), await submitted(ALICE), await submitted(ALICE)];
    const del = (as: string, id: string) =>
      call(as, 'POST', '/v1/jobs/delete', { operands: [id], history: true }).then((r) => r.body.results);
    // queued: deleted, and its record goes with it
    expect(await del(BOB, ids[0]!)).toEqual([{ operand: ids[0], id: ids[0], error: unauthorized }]);
    expect(await del(ALICE, ids[0]!)).toEqual([{ operand: ids[0], id: ids[0] }]);
    expect(store.jobs.byId(ids[0]!)).toBeUndefined();
    await call(ALICE, 'POST', '/v1/jobs/delete', { operands: [ids[1], ids[2]] });
    expect(await del(OSCAR, ids[1]!)).toEqual([{ operand: ids[1], id: ids[1] }]);
    expect(await del(MIA, ids[2]!)).toEqual([{ operand: ids[2], id: ids[2] }]);
    expect(
      (await jobs(ALICE, ids)).results.map((r) => (r as { error?: { code: string } }).error?.code),
    ).toEqual(['UNKNOWN_JOB', 'UNKNOWN_JOB', 'UNKNOWN_JOB']);
  });
});

describe('submission limits', () => {
  it('a job as root is refused (175) unless acl_roots lists its owner', async () => {
    expect((await submit(ROOT)).body).toEqual({
      statusCode: 403,
      code: 'BAD_USER',
      message: 'Bad UID for job execution',
    });
    store.meta.setSettings({ ...store.meta.settings(), aclRoots: ['root@head'] });
    expect((await submit(ROOT)).status).toBe(201);
  });

  it('max_queued: the generic per-user limit, a user of its own, the whole server; arrays count subjobs', async () => {
    store.meta.setSettings({
      ...store.meta.settings(),
      maxQueued: { generic: 2, users: { bob: 4 }, all: 7 },
    });
    await submitted(ALICE);
    await submitted(ALICE);
    expect((await submit(ALICE)).body).toMatchObject({
      code: 'ENTITY_LIMIT',
      message: "would exceed complex's per-user limit",
    });
    const array = { array: { submitted: '1-5', style: 'pbs' as const } };
    expect((await submit(BOB, array)).body).toMatchObject({
      message: 'Maximum number of jobs for user bob already in complex',
    });
    await submitted(BOB, { array: { submitted: '1-3', style: 'pbs' } });
    await submitted(BOB);
    expect((await submit(OSCAR)).status).toBe(201);
    expect((await submit(MIA)).body).toMatchObject({ message: 'Maximum number of jobs already in complex' });
  });

  it('a finished job no longer counts toward max_queued', async () => {
    store.meta.setSettings({ ...store.meta.settings(), maxQueued: { generic: 1, users: {} } });
    const id = await submitted(ALICE);
    expect((await submit(ALICE)).status).toBe(409);
    await call(ALICE, 'POST', '/v1/jobs/delete', { operands: [id] });
    expect((await submit(ALICE)).status).toBe(201);
  });

  it('max_script_size caps the stored script', async () => {
    store.meta.setSettings({ ...store.meta.settings(), maxScriptSize: 1024 });
    expect((await submit(ALICE, { script: 'x'.repeat(2000) })).body).toMatchObject({
      code: 'EXCEEDS_LIMITS',
      message: expect.stringContaining('max_script_size (1kb)'),
    });
    expect((await submit(ALICE, { script: 'echo hi' })).status).toBe(201);
  });
});
