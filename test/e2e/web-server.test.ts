// The web listener, as a browser meets it over real HTTP: a root head with --web-listen, users
// logging in through `drover web login`'s one-time URL, the session cookie's attributes, refusals
// without a session, without the CSRF token or from another site, what each user sees and may do,
// the jobs table's filters and pages, and the change stream (server-sent events).
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { freePort, ROOT, type RunResult, type TestHead, waitUntil } from '../helpers/head.js';
import { ALICE, BOB, dirOf, ensureUsers, runAs } from '../helpers/users.js';

const ADDRESS = '127.0.0.140';
let cluster: Cluster;
let head: TestHead;
let base = '';
let work = '';
const dirs: Record<string, string> = {};

interface Session {
  cookie: string;
  csrf: string;
  user: string;
  role: string;
}

const as = (user: string, cmd: string, args: string[], input?: string): Promise<RunResult> =>
  runAs(user, head, cmd, args, { cwd: dirs[user]!, ...(input !== undefined ? { input } : {}) });

async function submit(user: string, args: string[], script = 'sleep 600\n'): Promise<string> {
  const r = await as(user, 'qsub', args, script);
  if (r.code !== 0) throw new Error(`qsub as ${user}: ${r.stderr}`);
  return r.stdout.trim();
}

/** `drover web login` as `user`, then the URL it printed, as a browser opens it. */
async function login(user: string): Promise<Session> {
  const r = await as(user, 'drover', ['web', 'login']);
  expect(r.code, r.stderr).toBe(0);
  const res = await fetch(r.stdout.trim(), { redirect: 'manual' });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const session = await get('/v1/web/session', cookie);
  return { cookie, ...(session.body as Omit<Session, 'cookie'>) };
}

async function get(path: string, cookie?: string) {
  const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function post(path: string, s: Session, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      cookie: s.cookie,
      'content-type': 'application/json',
      'x-csrf-token': s.csrf,
      origin: base,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const state = async (s: Session, id: string) =>
  ((await get(`/v1/web/jobs/${encodeURIComponent(id)}`, s.cookie)).body.job as { state: string }).state;

beforeAll(async () => {
  ensureUsers();
  const port = await freePort();
  base = `http://${ADDRESS}:${port}`;
  work = mkdtempSync(join(tmpdir(), 'drover-web-server-'));
  chmodSync(work, 0o711);
  for (const u of [ALICE, BOB]) dirs[u] = dirOf(u, work);
  cluster = await startCluster({
    head: { ncpus: 2, extraArgs: ['--web-listen', `${ADDRESS}:${port}`] },
    shared: true,
  });
  head = cluster.head;
});

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('logging in', () => {
  it('trades a one-time URL for an HttpOnly, SameSite=Strict session cookie of the calling user', async () => {
    const r = await as(ALICE, 'drover', ['web', 'login']);
    expect(r.stdout).toMatch(new RegExp(`^${base}/web/login\\?token=[\\w-]{43}\\n$`));
    const first = await fetch(r.stdout.trim(), { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/web/');
    expect(first.headers.get('set-cookie')).toMatch(
      /^drover_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    // once only
    const again = await fetch(r.stdout.trim(), { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    const alice = await login(ALICE);
    expect(alice).toMatchObject({ user: ALICE, role: 'user' });
    expect((await login('root')).role).toBe('manager');
  });

  it('makes no login link for a web session (a stolen cookie ends with its session)', async () => {
    const alice = await login(ALICE);
    const r = await post('/v1/web/login-token', alice, {});
    expect([r.status, r.body.code]).toEqual([403, 'UNAUTHORIZED']);
  });

  it('answers the API only for a live session, and forgets a session at logout', async () => {
    expect((await get('/v1/web/overview')).body.code).toBe('NO_SESSION');
    expect((await get('/v1/web/overview', 'drover_session=forged')).status).toBe(401);
    const bob = await login(BOB);
    expect((await get('/v1/web/overview', bob.cookie)).status).toBe(200);
    expect((await post('/v1/web/logout', bob, {})).status).toBe(200);
    expect((await get('/v1/web/overview', bob.cookie)).body.code).toBe('NO_SESSION');
  });

  it('serves the pages to anyone, with a policy that loads nothing from elsewhere', async () => {
    const page = await fetch(`${base}/web/jobs/12.head1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${base}/web/assets/..%2f..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location')).toBe('/web/');
  });
});

describe('acting through the web view', () => {
  it('refuses a change without the CSRF token or from another site, and does it with both', async () => {
    const alice = await login(ALICE);
    const id = await submit(ALICE, ['-h']);
    const release = { operands: [id], types: 'u' };
    expect((await post('/v1/jobs/release', alice, release, { 'x-csrf-token': 'wrong' })).body.code).toBe(
      'CSRF',
    );
    expect(
      (await post('/v1/jobs/release', alice, release, { origin: 'http://evil.example' })).body.code,
    ).toBe('CSRF');
    expect(await state(alice, id)).toBe('H');
    expect((await post('/v1/jobs/release', alice, release)).status).toBe(200);
    await waitUntil(async () => ((await state(alice, id)) !== 'H' ? true : undefined), 10_000, 'release');
  });

  it('offers each user only what she may do, and the head refuses the rest', async () => {
    const [alice, bob, root] = [await login(ALICE), await login(BOB), await login('root')];
    const id = await submit(ALICE, ['-h']);
    const may = async (s: Session) => (await get(`/v1/web/jobs/${id}`, s.cookie)).body.may;
    expect(await may(alice)).toEqual({ hold: false, release: true, delete: true, rerun: false });
    expect(await may(bob)).toEqual({ hold: false, release: false, delete: false, rerun: false });
    expect(await may(root)).toEqual({ hold: false, release: true, delete: true, rerun: false });
    const forged = await post('/v1/jobs/delete', bob, { operands: [id] });
    expect(JSON.stringify(forged.body)).toContain('Unauthorized Request');
    expect(await state(alice, id)).toBe('H');
    const page = (await get(`/v1/web/jobs/${id}`, alice.cookie)).body;
    expect((page.trace as { type: string; text: string }[])[0]).toMatchObject({ type: 'queued' });
    expect((page.trace as { text: string }[]).map((t) => t.text).join('\n')).toMatch(
      /Job Queued at request of/,
    );
  });
});

describe('reading', () => {
  it('pages, filters and sorts the jobs table in the head, and refuses a bad query with a coded error', async () => {
    const root = await login('root');
    const ids = [];
    for (const name of ['web-c', 'web-a', 'web-b']) ids.push(await submit(BOB, ['-h', '-N', name]));
    const page = async (q: string) => (await get(`/v1/web/jobs?${q}`, root.cookie)).body;
    const names = (b: Record<string, unknown>) => (b.jobs as { name: string }[]).map((j) => j.name);
    expect(names(await page('name=web-&sort=name&dir=asc'))).toEqual(['web-a', 'web-b', 'web-c']);
    const second = await page('name=web-&sort=name&dir=asc&per=2&page=2');
    expect(second).toMatchObject({ total: 3, page: 2, per: 2 });
    expect(names(second)).toEqual(['web-c']);
    expect(names(await page(`user=${BOB}&state=H&sort=id&dir=desc&name=web-`))).toEqual([
      'web-b',
      'web-a',
      'web-c',
    ]);
    expect((await page(`user=${ALICE}&name=web-`)).total).toBe(0);
    const array = await submit(BOB, ['-h', '-N', 'web-arr', '-J', '1-2']);
    ids.push(array);
    const sub = `array=${encodeURIComponent(array)}&sort=name`;
    expect((await page(`${sub}&name=web-arr`)).total).toBe(2);
    expect((await page(`${sub}&name=web-c`)).total).toBe(0);
    for (const bad of ['per=0', 'sort=bogus', 'page=x', 'color=red', 'state=q']) {
      const r = await get(`/v1/web/jobs?${bad}`, root.cookie);
      expect([r.status, r.body.code]).toEqual([400, 'BAD_REQUEST']);
    }
    await as(BOB, 'qdel', ids);
  });

  it('pushes changed job ids on the event stream, and the overview counts them', async () => {
    const alice = await login(ALICE);
    const stream = await fetch(`${base}/v1/web/events`, { headers: { cookie: alice.cookie } });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    let text = '';
    const read = async (want: RegExp) => {
      while (!want.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await read(/event: hello/);
    const before = (await get('/v1/web/overview', alice.cookie)).body as { throughput: { ended: number }[] };
    const id = await submit(ALICE, [], 'true\n');
    await read(new RegExp(`event: jobs\\ndata: \\{"ids":\\[[^\\]]*"${id.replace(/\./g, '\\.')}"`));
    await reader.cancel();
    await waitUntil(async () => ((await state(alice, id)) === 'F' ? true : undefined), 20_000, 'job end');
    const after = (await get('/v1/web/overview', alice.cookie)).body as {
      nodes: { byState: Record<string, number>; cpus: { total: number } };
      throughput: { ended: number }[];
      queues: { name: string }[];
    };
    expect(after.nodes.cpus.total).toBe(2);
    expect(after.throughput).toHaveLength(60);
    const sum = (t: { ended: number }[]) => t.reduce((a, m) => a + m.ended, 0);
    expect(sum(after.throughput)).toBe(sum(before.throughput) + 1);
    expect(after.queues.map((q) => q.name)).toContain('workq');
  });
});

describe('the web flags', () => {
  const head = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      const home = join(work, `refused-${args.length}`);
      execFile(
        process.execPath,
        [join(ROOT, 'dist/cli/drover.js'), 'head', '--home', home, ...args],
        (err, _out, stderr) => resolve({ code: typeof err?.code === 'number' ? err.code : 0, stderr }),
      );
    });

  it('refuses --web without --listen, a bad --web-listen and a bad --web-url before starting', async () => {
    expect(await head(['--web'])).toEqual({
      code: 2,
      stderr: 'drover: --web serves the web view on the --listen address: give --listen HOST:PORT\n',
    });
    expect(await head(['--web-listen', 'nowhere', '--server-name', 'x'])).toEqual({
      code: 2,
      stderr: 'drover: --web-listen wants HOST:PORT, got nowhere\n',
    });
    expect((await head(['--web-listen', '127.0.0.1:1', '--web-url', 'ftp://x', '--local'])).stderr).toBe(
      'drover: --web-url wants http(s)://HOST[:PORT], got ftp://x\n',
    );
  });
});

describe('with query_other_jobs = False', () => {
  it("streams to a user only her own jobs' ids, and hides others' arrays", async () => {
    expect((await head.run('qmgr', ['-c', 'set server query_other_jobs = False'])).code).toBe(0);
    try {
      const bob = await login(BOB);
      const stream = await fetch(`${base}/v1/web/events`, { headers: { cookie: bob.cookie } });
      const reader = stream.body!.getReader();
      let text = '';
      const read = async (want: RegExp) => {
        while (!want.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await read(/event: hello/);
      const theirs = await submit(ALICE, ['-h']);
      const array = await submit(ALICE, ['-h', '-J', '1-2']);
      const mine = await submit(BOB, ['-h']);
      await read(new RegExp(`"${mine.replace(/[.[\]]/g, '\\$&')}"`));
      await reader.cancel();
      expect(text).not.toContain(theirs);
      const r = await get(`/v1/web/jobs?array=${encodeURIComponent(array)}`, bob.cookie);
      expect([r.status, r.body.code]).toEqual([404, 'UNKNOWN_JOB']);
      await as(ALICE, 'qdel', [theirs, array]);
      await as(BOB, 'qdel', [mine]);
    } finally {
      await head.run('qmgr', ['-c', 'set server query_other_jobs = True']);
    }
  });
});
