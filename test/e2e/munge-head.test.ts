// The head's TCP listener with MUNGE, as a submit host other than the head uses it: real munged
// daemons, a root head with --listen, users' commands over TCP. A credential is checked by the
// head's munged, bound to its request and used once; a forged, replayed or borrowed one is refused.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestText } from '../../core/protocol/request-binding.js';
import { mungeCredential } from '../../platform/munge-client.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { freePort, ROOT, type TestHead } from '../helpers/head.js';
import { TestMunged } from '../helpers/munged.js';
import { makeSpec } from '../helpers/records.js';
import { ALICE, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let munged: TestMunged;
let forger: TestMunged;
let cluster: Cluster;
let head: TestHead;
let port = 0;
let work: string;
let dir: string;

/** A command's environment for the TCP listener, credentials from `socket`'s munged. */
const overTcp = (socket: string) => ({
  DROVER_SERVER: `http://127.0.0.1:${port}`,
  DROVER_MUNGE_SOCKET: socket,
  DROVER_HOME: '/nonexistent',
});

/** A raw request to the listener with the given Authorization header. */
function raw(
  path: string,
  body: string,
  auth?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  ensureUsers();
  munged = await TestMunged.start();
  forger = await TestMunged.start();
  port = await freePort();
  cluster = await startCluster({
    head: { extraArgs: ['--listen', `127.0.0.1:${port}`, '--munge-socket', munged.socket] },
  });
  head = cluster.head;
  work = mkdtempSync(join(tmpdir(), 'drover-munge-head-'));
  chmodSync(work, 0o711);
  dir = dirOf(ALICE, work);
});

afterAll(async () => {
  await cluster?.stop();
  await munged?.stop();
  await forger?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('MUNGE on the TCP listener', () => {
  it('a user’s commands over TCP act as that user: the job is hers and runs as her', async () => {
    const env = overTcp(munged.socket);
    const r = await runAs(ALICE, head, 'qsub', ['-N', 'tcp', '-j', 'oe', '--', '/usr/bin/id', '-un'], {
      cwd: dir,
      env,
    });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const job = await head.waitState(id, 'F');
    expect(job.Job_Owner).toMatch(new RegExp(`^${ALICE}@`));
    expect(readFileSync(join(dir, `tcp.o${id.split('.')[0]}`), 'utf8')).toBe(`${ALICE}\n`);
    const q = await runAs(ALICE, head, 'qstat', ['-x', id], { cwd: dir, env });
    expect(q).toMatchObject({ code: 0, stdout: expect.stringContaining('tcp') });
  });

  it('root over TCP is not "root on the head host": administration needs the manager list', async () => {
    const r = await head.run('qmgr', ['-c', 'create queue overtcp'], {
      env: { ...head.env, ...overTcp(munged.socket) },
    });
    expect(r).toMatchObject({ code: 159, stderr: 'qmgr: Unauthorized Request\n' });
  });

  it('without munged the command says why, and the head refuses it (171)', async () => {
    const r = await runAs(ALICE, head, 'qstat', [], { cwd: dir, env: overTcp('/nonexistent/munge.socket') });
    expect(r.code).toBe(171);
    expect(r.stderr).toMatch(
      /^qstat: Invalid credential \(this head wants a MUNGE credential.*cannot reach munged at \/nonexistent\/munge.socket/,
    );
  });

  it('a credential made with another key is refused (171)', async () => {
    const r = await runAs(ALICE, head, 'qsub', ['--', '/bin/true'], {
      cwd: dir,
      env: overTcp(forger.socket),
    });
    expect(r.code).toBe(171);
    expect(r.stderr).toMatch(/^qsub: Invalid credential \(.*Invalid credential/);
  });

  it('a replayed credential, and one made for another request, are refused', async () => {
    const body = JSON.stringify({ spec: makeSpec({ executable: '/bin/true', workdir: dir, hold: true }) });
    const cred = await mungeCredential(requestText('POST', '/v1/jobs', body), munged.socket);
    const first = await raw('/v1/jobs', body, `MUNGE ${cred}`);
    expect(first.status).toBe(201);
    const again = await raw('/v1/jobs', body, `MUNGE ${cred}`);
    expect(again).toMatchObject({
      status: 401,
      body: { code: 'BAD_CREDENTIAL', message: expect.stringMatching(/[Rr]eplayed/) },
    });
    const other = JSON.stringify({ operands: [String(first.body.id)] });
    const borrowed = await mungeCredential(requestText('POST', '/v1/jobs', body), munged.socket);
    const moved = await raw('/v1/jobs/delete', other, `MUNGE ${borrowed}`);
    expect(moved).toMatchObject({
      status: 401,
      body: { message: expect.stringMatching(/made for another request/) },
    });
    expect(await raw('/v1/jobs/delete', other)).toMatchObject({
      status: 401,
      body: { code: 'BAD_CREDENTIAL' },
    });
    expect(await head.state(String(first.body.id))).toBe('H');
  });

  it('a root head refuses --listen without authentication', () => {
    const home = mkdtempSync(join(tmpdir(), 'drover-noauth-'));
    try {
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, 'dist/cli/drover.js'),
          'head',
          '--home',
          home,
          '--listen',
          '127.0.0.1:1',
          '--auth',
          'none',
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        'drover: a head running as root refuses --listen without authentication (use --auth munge)\n',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
