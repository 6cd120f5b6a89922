// Commands find the primary head and a retried submission makes one job: the head's role gate
// (head/api/role-gate.ts) and the submissions' request ids (head/db/requests-table.ts) over real
// HTTP on 127.0.0.81-84, asked by the commands' own client (cli/client.ts, cli/failover.ts).
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoServer } from '../../cli/api-errors.js';
import { api } from '../../cli/client.js';
import { ok } from '../../core/errors.js';
import { REQUEST_ID_HEADER } from '../../core/protocol/request-id.js';
import { buildApp, type Identify } from '../../head/api/app.js';
import type { HeadRole } from '../../head/api/role-gate.js';
import { GroupCommit } from '../../head/db/group-commit.js';
import { Operations } from '../../head/jobs/operations.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

const identify: Identify = async (req) => {
  const [user = 'alice', host = 'submit.example.com'] = String(req.headers['x-as'] ?? 'alice@submit').split(
    '@',
  );
  return ok({ user, uid: 1000, host, local: false });
};

let temp: TempStore;
let ops: Operations;
let apps: FastifyInstance[] = [];
let servers: Server[] = [];
/** what each head was asked: `METHOD path request-id` */
let asked: Record<string, string[]> = {};

beforeEach(() => {
  temp = openTempStore();
  addNode(temp.store, { name: 'n1', ncpus: 4 });
  const cluster = new Cluster(temp.store);
  const dispatcher = new Dispatcher(temp.store, cluster, pino({ level: 'silent' }));
  ops = new Operations({
    store: temp.store,
    cluster,
    dispatcher,
    server: 'svr',
    group: new GroupCommit(temp.store),
  });
  asked = {};
  process.env.DROVER_AUTH = 'none';
});

afterEach(async () => {
  for (const a of apps) await a.close();
  for (const s of servers) await new Promise((r) => s.close(r));
  apps = [];
  servers = [];
  await new Promise((r) => setImmediate(r));
  temp.dispose();
  delete process.env.DROVER_SERVER;
});

/** A head on `host` over the test's store, in the role `role()` says; returns its `http://HOST:PORT`. */
async function head(host: string, role?: () => HeadRole): Promise<string> {
  const app = buildApp({
    ops,
    server: 'svr',
    identify,
    headUid: 0,
    ...(role ? { role } : {}),
    haRoutes: (a) => a.get('/v1/ha/status', () => ({ primary: role?.().primary ?? true })),
  });
  // ahead of the app's own hooks (a standby's gate answers before any other hook runs)
  app.server.prependListener('request', (req) => {
    const list = asked[host] ?? [];
    asked[host] = list;
    list.push(`${req.method} ${req.url} ${req.headers[REQUEST_ID_HEADER] ?? '-'}`);
  });
  apps.push(app);
  await app.listen({ host, port: 0 });
  return `http://${host}:${(app.server.address() as { port: number }).port}`;
}

/** An address on `host` where nothing listens. */
async function deadAddress(host: string): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return `http://${host}:${port}`;
}

/** A head that dies with the request: it passes the request to `to`, which stores it, then drops the connection unanswered. */
async function dyingHead(host: string, to: string): Promise<string> {
  const target = new URL(to);
  const s = createServer((client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.on('data', () => undefined);
    upstream.on('end', () => client.destroy());
    client.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return `http://${host}:${(s.address() as { port: number }).port}`;
}

const submit = () => api<{ id: string }>('POST', '/v1/jobs', { spec: makeSpec() });
const jobCount = () => temp.store.db.prepare('SELECT count(*) FROM jobs').pluck().get();

describe('a head that is not the primary', () => {
  it('answers 503 NOT_PRIMARY with the primary’s address, except the HA routes', async () => {
    let role: HeadRole = { primary: false, primaryAt: 'http://127.0.0.83:15001' };
    const at = await head('127.0.0.82', () => role);
    const refused = await fetch(`${at}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: makeSpec() }),
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      statusCode: 503,
      code: 'NOT_PRIMARY',
      message: 'not primary',
      primary: 'http://127.0.0.83:15001',
    });
    expect((await fetch(`${at}/v1/server`)).status).toBe(503);
    expect(await (await fetch(`${at}/v1/ha/status`)).json()).toEqual({ primary: false });
    expect(jobCount()).toBe(0);
    role = { primary: true };
    expect((await fetch(`${at}/v1/server`)).status).toBe(200);
  });
});

describe('the commands’ client', () => {
  it('passes over a dead address and a standby to the primary, and starts there next time', async () => {
    const dead = await deadAddress('127.0.0.81');
    const standby = await head('127.0.0.82', () => ({ primary: false }));
    const primary = await head('127.0.0.83');
    process.env.DROVER_SERVER = [dead, standby, primary].join(',');
    const first = await submit();
    expect(first).toMatchObject({ ok: true, body: { id: '0.svr' } });
    expect(asked['127.0.0.82']).toHaveLength(1);
    const query = await api<{ jobs: unknown[] }>('POST', '/v1/jobs/query', {});
    expect(query.ok && query.body.jobs).toHaveLength(1);
    expect(asked['127.0.0.82']).toHaveLength(1);
  });

  it('follows a standby’s hint of the primary, even one the list does not name', async () => {
    const primary = await head('127.0.0.83');
    const standby = await head('127.0.0.82', () => ({ primary: false, primaryAt: primary }));
    const other = await head('127.0.0.84', () => ({ primary: false }));
    process.env.DROVER_SERVER = `${standby},${other}`;
    expect(await submit()).toMatchObject({ ok: true, body: { id: '0.svr' } });
    expect(asked['127.0.0.84']).toBeUndefined();
  });

  it('waits for a standby to take over', async () => {
    let role: HeadRole = { primary: false };
    process.env.DROVER_SERVER = await head('127.0.0.82', () => role);
    setTimeout(() => {
      role = { primary: true };
    }, 1500);
    const t0 = Date.now();
    expect(await submit()).toMatchObject({ ok: true, body: { id: '0.svr' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(jobCount()).toBe(1);
  });

  it('a head dying with a submission it stored: the retry on the next head answers the same job', async () => {
    const primary = await head('127.0.0.83');
    const dying = await dyingHead('127.0.0.84', primary);
    process.env.DROVER_SERVER = `${dying},${primary}`;
    const r = await submit();
    expect(r).toMatchObject({ ok: true, body: { id: '0.svr' } });
    // the first send (through the dying head) stored the job; the retry carried the same id
    const sends = asked['127.0.0.83']!;
    expect(sends).toHaveLength(2);
    expect(sends[0]).toMatch(/^POST \/v1\/jobs [0-9a-f-]{36}$/);
    expect(sends[1]).toBe(sends[0]);
    expect(jobCount()).toBe(1);
  });

  it('no head at all: NoServer, at once', async () => {
    process.env.DROVER_SERVER = `${await deadAddress('127.0.0.81')},${await deadAddress('127.0.0.82')}`;
    const t0 = Date.now();
    await expect(submit()).rejects.toThrow(NoServer);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('request ids of submissions', () => {
  const post = (app: FastifyInstance, id: string, as?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { spec: makeSpec() },
      headers: { [REQUEST_ID_HEADER]: id, ...(as ? { 'x-as': as } : {}) },
    });

  it('the same id answers the same job; another user’s id is another job; a bad id is refused', async () => {
    await head('127.0.0.83');
    const app = apps[0]!;
    const id = '3f1c2a9e-0d5b-4a51-9a43-7c1e2b3d4f50';
    const a = await post(app, id);
    const b = await post(app, id);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json().id).toBe(a.json().id);
    expect((await post(app, id, 'bob@submit')).json().id).not.toBe(a.json().id);
    expect((await post(app, 'short')).statusCode).toBe(400);
    expect((await post(app, `${'x'.repeat(65)}`)).json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect(jobCount()).toBe(2);
  });

  it('are kept with the job in the database (a restart remembers them) and pruned after a day', () => {
    const { store } = temp;
    store.transaction(() => store.requests.record('alice', 'req-00000001', '7.svr', 1000));
    const again = temp.reopen();
    expect(again.requests.find('alice', 'req-00000001')).toBe('7.svr');
    expect(again.requests.find('bob', 'req-00000001')).toBeUndefined();
    again.requests.record('alice', 'req-00000002', '8.svr', 1000 + 25 * 3600 * 1000);
    expect(again.requests.find('alice', 'req-00000001')).toBeUndefined();
    expect(again.requests.find('alice', 'req-00000002')).toBe('8.svr');
  });
});
