// Services on a real store, with the real dispatcher and agent-message handling: instances
// submitted as jobs, scaled up and down, their address recorded from instance-up and dropped when
// the attempt stops serving, an exit requeued, stop; --zone-spread; watch events only after
// commit; and the API (permissions, the watch stream over a socket, broker reports).
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok } from '../../core/errors.js';
import type { Requester } from '../../core/policy/permissions.js';
import type { AgentMessage, HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { WatchEvent } from '../../core/protocol/service-view.js';
import type { ServiceStart } from '../../core/service/service-options.js';
import { AgentMessages } from '../../head/agent-link/agent-messages.js';
import { buildApp, type Identify } from '../../head/api/app.js';
import type { Store } from '../../head/db/store.js';
import { registerFeatures } from '../../head/features.js';
import { Operations } from '../../head/jobs/operations.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { ServiceOps } from '../../head/service/service-ops.js';
import { ServiceWatch } from '../../head/service/watch-broadcast.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

const log = pino({ level: 'silent' });
const ALICE: Requester = { user: 'alice', uid: 1001, host: 'submit.example.com', local: false, role: 'user' };
const BOB: Requester = { ...ALICE, user: 'bob', uid: 1002 };
const usage = { cput: 0, mem: 0, vmem: 0, walltime: 1, cpupercent: 0, ncpus: 1 };
/** the watch sends on the next turn of the event loop */
const turn = () => new Promise((resolve) => setImmediate(resolve));

let temp: TempStore;
let store: Store;
let sent: [string, HeadMessage][];
let cluster: Cluster;
let dispatcher: Dispatcher;
let messages: AgentMessages;
let watch: ServiceWatch;
let services: ServiceOps;
let events: WatchEvent[];
let journal = 0;
/** the head's clock: the dispatcher's and the facts' */
let now = Date.now();

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'a1', ncpus: 2, labels: { zone: 'a' } });
  addNode(store, { name: 'b1', ncpus: 2, labels: { zone: 'b' } });
  sent = [];
  cluster = new Cluster(store);
  cluster.send = (node, m) => {
    sent.push([node, m]);
    return true;
  };
  cluster.markUp('a1');
  cluster.markUp('b1');
  watch = new ServiceWatch(store);
  registerFeatures(store, undefined, { touch: (n) => watch.touch(n), nodes: () => cluster.schedNodes() });
  dispatcher = new Dispatcher(store, cluster, log, () => now);
  const poke = () => {};
  messages = new AgentMessages({
    store,
    cluster,
    log,
    poke,
    undeliveredDir: temp.dir,
    deliver: async () => [],
  });
  services = new ServiceOps({ store, server: 'svr', cluster, poke, watch });
  events = [];
  watch.subscribe((e) => events.push(e));
});
afterEach(async () => {
  await turn();
  temp.dispose();
});

const start = (name: string, instances: number, more: Partial<ServiceStart> = {}): ServiceStart => ({
  name,
  instances,
  settings: { policy: 'least-outstanding', queue: { max: 10, timeoutMs: 1000 }, retries: 1 },
  spec: makeSpec({ name, executable: '/srv/web', argv: [], join: 'oe' }),
  ...more,
});

async function started(name: string, instances: number, more: Partial<ServiceStart> = {}) {
  const r = await services.start(start(name, instances, more), ALICE);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const job = (id: string) => store.jobs.byId(id)!;
const runs = () => sent.flatMap(([node, m]) => (m.t === 'run' ? [{ node, job: m.job }] : []));

/** What an agent says: facts journaled with a sequence number, other messages as they are. */
function agent(
  node: string,
  ...ms: (AgentMessage | { kind: 'started' | 'exited'; id: string; status?: number })[]
) {
  const batch = ms.map((m): AgentMessage => {
    if ('t' in m) return m;
    const j = job(m.id);
    const at = now;
    const attempt = j.row.attempt;
    const fact =
      m.kind === 'started'
        ? { kind: 'started' as const, jobId: m.id, attempt, sessionId: 4242, at }
        : { kind: 'exited' as const, jobId: m.id, attempt, status: m.status ?? 0, usage, at };
    return { t: 'fact', entry: { seq: ++journal, fact } };
  });
  messages.handleAll(node, batch);
}

const up = (id: string, port: number): AgentMessage => ({
  t: 'instance-up',
  jobId: id,
  attempt: job(id).row.attempt,
  port,
});

const view = () => watch.snapshot()[0]!;

describe('services on a real store', () => {
  it('starts instances as jobs, records where they answer, restarts an exit, scales and stops', async () => {
    const { jobs } = await started('web', 2);
    expect(jobs.map((id) => [job(id).row.name, job(id).spec.service, job(id).owner])).toEqual([
      ['web.0', { name: 'web', instance: 0 }, 'alice@submit.example.com'],
      ['web.1', { name: 'web', instance: 1 }, 'alice@submit.example.com'],
    ]);
    dispatcher.tick();
    expect(runs().map((r) => [r.job.jobId, r.job.service])).toEqual([
      [jobs[0], { name: 'web', instance: 0 }],
      [jobs[1], { name: 'web', instance: 1 }],
    ]);
    const node0 = runs()[0]!.node;
    agent(node0, { kind: 'started', id: jobs[0]! }, up(jobs[0]!, 8080));
    expect(view().instances).toEqual([
      {
        id: 'web.0',
        jobId: jobs[0],
        attempt: 1,
        node: node0,
        host: `${node0}.example.com`,
        port: 8080,
        zone: node0[0],
        ncpus: 1,
      },
    ]);
    // the attempt exits at once: the job waits a second, its address gone; then it runs again
    agent(node0, { kind: 'exited', id: jobs[0]!, status: 1 });
    expect(job(jobs[0]!).row).toMatchObject({
      state: 'W',
      attempt: 1,
      executionTime: Math.ceil(now / 1000) + 1,
    });
    expect(job(jobs[0]!).row.comment).toMatch(
      /service instance web.0: attempt 1 ended on .* \(exit 1\); started again in 1 s/,
    );
    expect(view().instances).toEqual([]);
    dispatcher.tick();
    expect(job(jobs[0]!).row.state).toBe('W');
    now += 2000;
    dispatcher.tick();
    expect(job(jobs[0]!).row).toMatchObject({ state: 'R', attempt: 2 });
    // one that ran a while is queued again at once
    now += 20_000;
    agent(job(jobs[1]!).row.node!, { kind: 'exited', id: jobs[1]!, status: 0 });
    expect(job(jobs[1]!).row).toMatchObject({ state: 'Q', attempt: 1 });
    expect(job(jobs[1]!).row.comment).toMatch(/\(exit 0\); started again$/);
    dispatcher.tick();
    expect(job(jobs[1]!).row).toMatchObject({ state: 'R', attempt: 2 });
    const again = job(jobs[0]!).row.node!;
    // a late instance-up of attempt 1 changes nothing
    agent(again, { t: 'instance-up', jobId: jobs[0]!, attempt: 1, port: 1 });
    expect(view().instances).toEqual([]);
    agent(again, up(jobs[0]!, 9090));
    expect(view().instances.map((i) => [i.id, i.attempt, i.port])).toEqual([['web.0', 2, 9090]]);

    // scale to 3: one more job; to 1: the highest numbers go first (queued: deleted, running: SIGTERM)
    const three = await services.scale('web', 3, ALICE);
    if (!three.ok) throw new Error(three.error.message);
    expect(three.value.instances.map((i) => [i.id, i.state])).toEqual([
      ['web.0', 'R'],
      ['web.1', 'R'],
      ['web.2', 'Q'],
    ]);
    const web1 = three.value.instances[1]!.jobId;
    agent(job(web1).row.node!, up(web1, 7000));
    sent = [];
    const one = await services.scale('web', 1, ALICE);
    if (!one.ok) throw new Error(one.error.message);
    expect(one.value.instances.map((i) => [i.id, i.state, i.address !== undefined])).toEqual([
      ['web.0', 'R', true],
      ['web.1', 'R', false],
    ]);
    expect(sent).toEqual([
      [job(web1).row.node, { t: 'signal', jobId: web1, attempt: 2, signal: 'SIGTERM', reason: 'delete' }],
    ]);
    // the deleted instance's exit is not requeued: it finishes, and its row goes
    agent(job(web1).row.node!, { kind: 'exited', id: web1, status: 271 });
    expect(job(web1).row.state).toBe('E');
    expect(store.services.instances('web').map((i) => i.instance)).toEqual([0, 1]);

    // stop: every instance job deleted; the service goes once the last one has ended
    const stopped = await services.stop('web', ALICE);
    expect(stopped.ok).toBe(true);
    expect(store.services.get('web')?.state).toBe('stopping');
    agent(job(jobs[0]!).row.node!, { kind: 'exited', id: jobs[0]!, status: 271 });
    expect(store.services.get('web')?.state).toBe('stopping');
    // the output of the exited attempts is delivered (there is none) and they finish
    for (const id of [jobs[0]!, web1])
      agent(job(id).row.node!, { t: 'output', jobId: id, attempt: job(id).row.attempt, files: [] });
    await turn();
    expect([job(jobs[0]!).row.state, job(web1).row.state]).toEqual(['F', 'F']);
    expect(store.services.get('web')).toBeUndefined();
    await turn();
    expect(events.at(-1)).toEqual({ t: 'removed', name: 'web' });
  });

  it('sends watch events only once committed, and nothing for a change rolled back', async () => {
    const { jobs } = await started('api', 1);
    await turn();
    expect(events.map((e) => e.t)).toEqual(['service']);
    dispatcher.tick();
    const node = runs()[0]!.node;
    events = [];
    store.transaction(() => {
      agent(node, up(jobs[0]!, 5000));
      expect(store.services.instances('api')[0]!.address?.port).toBe(5000);
    });
    expect(events).toEqual([]); // committed, but not yet sent: the next turn sends it
    await turn();
    expect(events).toEqual([{ t: 'service', service: expect.objectContaining({ name: 'api' }) }]);
    expect((events[0] as Extract<WatchEvent, { t: 'service' }>).service.instances.map((i) => i.port)).toEqual(
      [5000],
    );
    events = [];
    expect(() =>
      store.transaction(() => {
        store.services.clearAddress(job(jobs[0]!).seq);
        watch.touch('api');
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    await turn();
    expect(events).toEqual([]);
    expect(view().instances.map((i) => i.port)).toEqual([5000]);
  });

  it('spreads the instances of a --zone-spread service over the zones', async () => {
    addNode(store, { name: 'a2', ncpus: 2, labels: { zone: 'a' } });
    cluster.markUp('a2');
    const { jobs } = await started('spread', 2, {
      settings: { ...start('x', 1).settings, zoneSpread: true },
    });
    dispatcher.tick();
    const zones = jobs.map((id) => store.nodes.get(job(id).row.node!)!.labels.zone).sort();
    expect(zones).toEqual(['a', 'b']);
  });

  it('refuses what may not be done: a second service of a name, another user scaling, bad counts', async () => {
    await started('web', 1, { settings: { ...start('x', 1).settings, scale: { min: 1, max: 2 } } });
    expect(await services.start(start('web', 1), BOB)).toMatchObject({
      ok: false,
      error: { code: 'BAD_STATE' },
    });
    expect(await services.scale('web', 2, BOB)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await services.stop('web', BOB)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await services.scale('web', 3, ALICE)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await services.scale('nope', 1, ALICE)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_JOB' },
    });
    expect(await services.scale('web', 2, { ...BOB, role: 'operator' })).toMatchObject({ ok: true });
    expect(await services.start(start('watch', 1), ALICE)).toMatchObject({
      ok: false,
      error: { code: 'USAGE' },
    });
  });

  it('scales between --min and --max from broker reports, one step per period', async () => {
    await started('auto', 1, { settings: { ...start('x', 1).settings, scale: { min: 1, max: 3 } } });
    const load = {
      inFlight: 4,
      queued: 9,
      served: 10,
      failed: 0,
      queueWaitMs: 800,
      idle: 0,
      latencyMs: { p50: 1, p90: 2, p99: 3 },
    };
    const report = { name: 'b1', listen: '0.0.0.0:8000', services: { auto: load } };
    await services.report(report);
    expect(store.services.get('auto')?.wanted).toBe(2);
    await services.report(report); // within the period: no second step
    expect(store.services.get('auto')?.wanted).toBe(2);
    expect(services.brokerList().map((b) => b.name)).toEqual(['b1']);
    expect(services.status('auto')).toMatchObject({
      ok: true,
      value: { brokers: [{ broker: 'b1', queued: 9 }] },
    });
  });
});

describe('the services API', () => {
  let app: FastifyInstance;
  let dir: string;
  const identify: Identify = async (req) => {
    const user = String(req.headers['x-as'] ?? 'alice');
    return ok({ user, uid: 1000 + user.length, host: 'submit.example.com', local: false });
  };
  beforeEach(async () => {
    dispatcher = new Dispatcher(store, cluster, log);
    const ops = new Operations({ store, cluster, dispatcher, server: 'svr' });
    app = buildApp({ ops, server: 'svr', services, identify, headUid: 0 });
    dir = mkdtempSync(join(tmpdir(), 'drover-services-'));
    await app.listen({ path: join(dir, 'api.sock') });
  });
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, payload?: object, as = 'alice') => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { 'x-as': as },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('starts, lists, shows, scales and stops; only the owner, operators and managers change a service', async () => {
    const created = await call('POST', '/v1/services', start('web', 2));
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'web', jobs: [expect.any(String), expect.any(String)] },
    });
    expect(
      (await call('GET', '/v1/services', undefined, 'bob')).body.services.map(
        (s: { name: string }) => s.name,
      ),
    ).toEqual(['web']);
    expect((await call('GET', '/v1/services/web')).body).toMatchObject({
      name: 'web',
      wanted: 2,
      state: 'running',
      up: 0,
    });
    expect(await call('POST', '/v1/services/web/scale', { instances: 3 }, 'bob')).toMatchObject({
      status: 403,
    });
    expect(await call('POST', '/v1/services/web/scale', { instances: -1 })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/services/web/scale', { instances: 3 })).toMatchObject({
      status: 200,
      body: { wanted: 3 },
    });
    expect(await call('POST', '/v1/services', { ...start('x', 1), name: '9bad' })).toMatchObject({
      status: 400,
    });
    const forged = { ...start('forged', 1) };
    expect(
      await call('POST', '/v1/jobs', { spec: { ...forged.spec, service: { name: 'web', instance: 7 } } }),
    ).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/services/nope')).toMatchObject({ status: 404 });
    expect(await call('POST', '/v1/services/web/stop', {})).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/services')).toMatchObject({ body: { services: [] } });
  });

  it('streams a snapshot and each change, and drops the listener when the client goes', async () => {
    const lines: WatchEvent[] = [];
    let more: () => void = () => {};
    const req = request({
      socketPath: join(dir, 'api.sock'),
      path: '/v1/services/watch',
      headers: { 'x-as': 'carol' },
    });
    const response = new Promise<void>((resolve) =>
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          const parts = text.split('\n');
          text = parts.pop()!;
          for (const p of parts) lines.push(JSON.parse(p));
          more();
        });
        resolve();
      }),
    );
    req.end();
    await response;
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        more = () => lines.length >= n && resolve();
        more();
      });
    await until(1);
    expect(lines[0]).toEqual({ t: 'snapshot', services: [] });
    expect(watch.watchers).toBe(2);
    await call('POST', '/v1/services', start('web', 1));
    await until(2);
    expect(lines[1]).toMatchObject({ t: 'service', service: { name: 'web', wanted: 1, instances: [] } });
    const gone = new Promise((resolve) => req.socket?.once('close', resolve));
    req.destroy();
    await gone;
    while (watch.watchers > 1) await turn();
    expect(watch.watchers).toBe(1);
  });

  it('takes broker reports from any user and lists the brokers', async () => {
    const load = {
      inFlight: 1,
      queued: 0,
      served: 5,
      failed: 1,
      queueWaitMs: 0,
      idle: 0.5,
      latencyMs: { p50: 1, p90: 2, p99: 3 },
    };
    expect(
      await call(
        'POST',
        '/v1/brokers/report',
        { name: 'b1', listen: '0.0.0.0:80', services: { web: load } },
        'svc',
      ),
    ).toMatchObject({ status: 200 });
    expect(
      await call('POST', '/v1/brokers/report', { name: 'b2', listen: 'x', services: { 'bad name': load } }),
    ).toMatchObject({ status: 400 });
    expect((await call('GET', '/v1/brokers', undefined, 'bob')).body.brokers).toEqual([
      { name: 'b1', listen: '0.0.0.0:80', services: { web: load }, at: expect.any(Number) },
    ]);
  });
});
