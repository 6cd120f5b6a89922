// The durable sessions' routes and worker in this process (broker/session-routes.ts), on a real
// node:http server and a real SQLite store in a temp directory, calling a real HTTP service:
// refusals, pages of responses, failures, the service's capacity, deletion.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountSessions, type SessionsMount } from '../../broker/session-routes.js';
import type { DispatchOne } from '../../broker/sessions.js';
import type { SessionProgress, SessionResponse } from '../../core/protocol/session-batch.js';

const servers: Server[] = [];
const mounts: SessionsMount[] = [];
const dirs: string[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A DispatchOne that sends the call to `target` with fetch. */
const forwardTo =
  (target: string): DispatchOne =>
  async (_service, call) => {
    const r = await fetch(`${target}${call.path}`, {
      method: call.method,
      headers: call.headers,
      body: call.body,
    });
    return {
      status: r.status,
      headers: Object.fromEntries(r.headers),
      body: Buffer.from(await r.arrayBuffer()),
    };
  };

/** A broker with the sessions alone; `capacity` may change while it runs. */
async function broker(dispatch: DispatchOne, capacity: { n: number }, attempts = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'drover-session-routes-'));
  dirs.push(dir);
  const sessions = mountSessions({
    stateDir: dir,
    dispatch,
    capacity: () => capacity.n,
    knows: (s) => s === 'svc',
    attempts,
    backoffMs: 5,
    idleCheckMs: 20,
  });
  mounts.push(sessions);
  const base = await listen((req, res) => {
    if (!sessions.handle(req, res)) res.writeHead(418).end();
  });
  return { base, sessions };
}

async function submit(base: string, requests: unknown[]): Promise<string> {
  const r = await fetch(`${base}/svc/svc/batch`, { method: 'POST', body: JSON.stringify({ requests }) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { session: string }).session;
}

async function get(
  base: string,
  path: string,
): Promise<{ status: number; body: SessionProgress & { error?: string } }> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, body: (await r.json()) as SessionProgress & { error?: string } };
}

/** Waits at the broker (`wait=`) until the session is done; its responses. */
async function finished(
  base: string,
  id: string,
): Promise<{ last: SessionProgress; responses: SessionResponse[] }> {
  const responses: SessionResponse[] = [];
  for (;;) {
    const { body } = await get(base, `/sessions/${id}?from=${responses.length}&wait=10`);
    responses.push(...body.responses!);
    if (responses.length === body.total) return { last: body, responses };
  }
}

afterAll(() => {
  for (const m of mounts) m.close();
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('durable session routes', () => {
  it('refuses what is not a batch, an unknown service or session, and a body over 64 MiB', async () => {
    const { base } = await broker(forwardTo('http://127.0.0.1:9'), { n: 1 });
    const post = (path: string, body: string) => fetch(`${base}${path}`, { method: 'POST', body });
    const answer = async (r: Promise<Response>) => {
      const res = await r;
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await answer(post('/svc/svc/batch', '{'))).toEqual([400, 'the body is not JSON']);
    expect(await answer(post('/svc/svc/batch', '[]'))).toEqual([
      400,
      'the body must be { "requests": [...] }',
    ]);
    expect(await answer(post('/svc/svc/batch', '{"requests":[]}'))).toEqual([
      400,
      'the batch holds no request',
    ]);
    const twice = JSON.stringify({
      requests: [
        { id: 'a', path: '/' },
        { id: 'a', path: '/' },
      ],
    });
    expect(await answer(post('/svc/svc/batch', twice))).toEqual([400, 'request 1: id "a" is used twice']);
    expect(await answer(post('/svc/other/batch', twice))).toEqual([404, 'no service other']);
    expect(await answer(fetch(`${base}/svc/svc/batch`))).toEqual([405, 'a batch is sent with POST']);
    expect(await answer(fetch(`${base}/sessions/nope`))).toEqual([404, 'no session nope']);
    expect(await answer(fetch(`${base}/sessions/nope`, { method: 'DELETE' }))).toEqual([
      404,
      'no session nope',
    ]);
    expect((await get(base, '/sessions/x?limit=0')).status).toBe(400);
    expect((await get(base, '/sessions/x?from=-1')).status).toBe(400);
    expect((await get(base, '/sessions/x?wait=61')).status).toBe(400);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(418);
    // a body announced larger than the bound is refused before it is read
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/svc/svc/batch`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-length': 65 * 2 ** 20 },
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });

  it('sends each call with its Idempotency-Key and session, pages the responses, and forgets on DELETE', async () => {
    const got: Record<string, string | undefined>[] = [];
    const target = await listen((req, res) => {
      got.push({
        key: req.headers['idempotency-key'] as string,
        session: req.headers['x-drover-session'] as string,
      });
      if (req.url === '/bin') res.writeHead(200, { 'x-kind': 'bin' }).end(Buffer.from([0xff, 0xfe, 0]));
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`answer ${req.url}`);
    });
    const { base } = await broker(forwardTo(target), { n: 4 });
    const requests = [
      ...Array.from({ length: 29 }, (_, i) => ({ id: `c${i}`, path: `/t${i}` })),
      { id: 'bin', path: '/bin' },
    ];
    const id = await submit(base, requests);
    const { last, responses } = await finished(base, id);
    expect([last.total, last.done, last.failed]).toEqual([30, 30, 0]);
    expect(new Set(got.map((g) => g.key))).toEqual(new Set(requests.map((r) => r.id)));
    expect(got.every((g) => g.session === id)).toBe(true);
    const c7 = responses.find((r) => r.id === 'c7')!;
    expect([c7.status, c7.body, c7.headers!['content-type']]).toEqual([200, 'answer /t7', 'text/plain']);
    // the connection's own headers are not the answer's
    expect(
      Object.keys(c7.headers!).filter((h) => ['connection', 'keep-alive', 'transfer-encoding'].includes(h)),
    ).toEqual([]);
    const bin = responses.find((r) => r.id === 'bin')!;
    expect([bin.body, bin.bodyBase64, bin.headers!['x-kind']]).toEqual([undefined, '//4A', 'bin']);

    const plain = await get(base, `/sessions/${id}`);
    expect(plain.body.responses).toBeUndefined();
    const pages = await Promise.all(
      [0, 10, 25, 30].map((from) => get(base, `/sessions/${id}?from=${from}&limit=10`)),
    );
    expect(pages.map((p) => [p.body.responses!.length, p.body.next])).toEqual([
      [10, 10],
      [10, 20],
      [5, 30],
      [0, 30],
    ]);
    expect(pages.flatMap((p) => p.body.responses!)).toEqual([
      ...responses.slice(0, 20),
      ...responses.slice(25),
    ]);

    expect((await fetch(`${base}/sessions/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await get(base, `/sessions/${id}`)).status).toBe(404);
  });

  it('counts 5xx answers and calls no instance answered as failed, after the tries', async () => {
    const target = await listen((req, res) => res.writeHead(req.url === '/bad' ? 503 : 200).end('x'));
    const { base } = await broker(forwardTo(target), { n: 2 });
    const id = await submit(base, [
      { id: 'ok', path: '/ok' },
      { id: 'bad', path: '/bad' },
    ]);
    const one = await finished(base, id);
    expect([one.last.done, one.last.failed]).toEqual([2, 1]);
    expect(one.responses.find((r) => r.id === 'bad')!.status).toBe(503);

    let tries = 0;
    const refused: DispatchOne = async () => {
      tries++;
      throw new Error('no instance answers');
    };
    const down = await broker(refused, { n: 2 }, 3);
    const lost = await finished(down.base, await submit(down.base, [{ id: 'x', path: '/' }]));
    expect([lost.last.done, lost.last.failed, tries]).toEqual([1, 1, 3]);
    expect(lost.responses).toEqual([{ id: 'x', error: 'no answer after 3 tries: no instance answers' }]);
  });

  it('stores a batch larger than one write slice (2,000 requests) whole', async () => {
    const target = await listen((req, res) => res.end(req.headers['idempotency-key']));
    const { base } = await broker(forwardTo(target), { n: 16 });
    const id = await submit(
      base,
      Array.from({ length: 4500 }, (_, i) => ({ id: `k${i}`, path: '/' })),
    );
    const { last, responses } = await finished(base, id);
    expect([last.total, last.done, last.failed]).toEqual([4500, 4500, 0]);
    expect(new Set(responses.map((r) => r.body)).size).toBe(4500);
    expect(responses.every((r) => r.body === r.id)).toBe(true);
  });

  it("keeps to the service's capacity, and waits while it has none", async () => {
    let now = 0;
    let most = 0;
    const target = await listen((_req, res) => {
      most = Math.max(most, ++now);
      setTimeout(() => {
        now--;
        res.end('ok');
      }, 3);
    });
    const capacity = { n: 0 };
    const { base, sessions } = await broker(forwardTo(target), capacity);
    const id = await submit(
      base,
      Array.from({ length: 60 }, (_, i) => ({ id: `${i}`, path: '/' })),
    );
    const idle = await get(base, `/sessions/${id}?from=0&wait=1`);
    expect([idle.body.done, most]).toEqual([0, 0]);
    capacity.n = 3;
    sessions.worker.wake('svc');
    const { last } = await finished(base, id);
    expect([last.done, most]).toEqual([60, 3]);
  });
});
