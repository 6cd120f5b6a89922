// The commands with several heads named (DROVER_SERVER=a,b or the cluster config file): a real
// head over TCP with MUNGE on 127.0.0.80, a dead address before it on 127.0.0.81; a submission
// sent twice with one request id is one job, also after the head restarts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestText } from '../../core/protocol/request-binding.js';
import { REQUEST_ID_HEADER } from '../../core/protocol/request-id.js';
import { mungeCredential } from '../../platform/munge-client.js';
import { freePort, TestHead } from '../helpers/head.js';
import { TestMunged } from '../helpers/munged.js';
import { makeSpec } from '../helpers/records.js';

const HOST = '127.0.0.80';
let munged: TestMunged;
let head: TestHead;
let live = '';
let dead = '';
let conf = '';

/** An address on 127.0.0.81 where nothing listens. */
async function deadAddress(): Promise<string> {
  const port = await freePort();
  return `http://127.0.0.81:${port}`;
}

/** The commands' environment: no socket of their own, credentials from the test's munged. */
const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...head.env,
  DROVER_HOME: '/nonexistent',
  DROVER_MUNGE_SOCKET: munged.socket,
  DROVER_CONF: '/nonexistent',
  ...extra,
});

/** POST /v1/jobs as a command sends it, with this request id and a credential of its own. */
async function submitRaw(requestId: string, body: string): Promise<{ status: number; id: string }> {
  const cred = await mungeCredential(requestText('POST', '/v1/jobs', body), munged.socket);
  const url = new URL(live);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: Number(url.port),
        method: 'POST',
        path: '/v1/jobs',
        headers: {
          'content-type': 'application/json',
          authorization: `MUNGE ${cred}`,
          [REQUEST_ID_HEADER]: requestId,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: JSON.parse(text).id }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  munged = await TestMunged.start();
  const port = await freePort();
  live = `http://${HOST}:${port}`;
  dead = await deadAddress();
  head = new TestHead({ extraArgs: ['--listen', `${HOST}:${port}`, '--munge-socket', munged.socket] });
  await head.start();
  conf = mkdtempSync(join(tmpdir(), 'drover-conf-'));
});

afterAll(async () => {
  await head?.stop();
  await munged?.stop();
  if (conf) rmSync(conf, { recursive: true, force: true });
});

describe('several heads named', () => {
  it('DROVER_SERVER with a dead address first: qsub and qstat reach the live head', async () => {
    const e = env({ DROVER_SERVER: `${dead},${live}` });
    const sub = await head.run('qsub', ['-N', 'listed', '--', '/bin/true'], { env: e });
    expect(sub).toMatchObject({ code: 0, stderr: '' });
    const id = sub.stdout.trim();
    const st = await head.run('qstat', ['-x', id], { env: e });
    expect(st).toMatchObject({ code: 0, stdout: expect.stringContaining('listed') });
  });

  it('the cluster config file names the heads when DROVER_SERVER does not', async () => {
    const file = join(conf, 'drover.conf');
    writeFileSync(file, `# the cluster's heads\nDROVER_SERVER=${dead},${live}\n`);
    const { DROVER_HOME: _, DROVER_SERVER: __, ...e } = env({ DROVER_CONF: file, HOME: conf });
    const st = await head.run('qstat', ['-x'], { env: e });
    expect(st).toMatchObject({ code: 0, stdout: expect.stringContaining('listed') });
  });

  it('only dead heads: cannot connect, exit 111', async () => {
    const r = await head.run('qstat', [], { env: env({ DROVER_SERVER: `${dead},${await deadAddress()}` }) });
    expect(r).toMatchObject({
      code: 111,
      stderr: expect.stringMatching(/^qstat: cannot connect to server 127\.0\.0\.81/),
    });
  });

  it('a submission sent twice with one request id is one job, also after the head restarts', async () => {
    const body = JSON.stringify({
      spec: makeSpec({ name: 'once', executable: '/bin/true', workdir: head.work, hold: true }),
    });
    const requestId = '6b1d7c0e-2f43-4e8a-9d55-0a1b2c3d4e5f';
    const first = await submitRaw(requestId, body);
    const second = await submitRaw(requestId, body);
    expect(first.status).toBe(201);
    expect(second).toEqual(first);
    await head.kill9();
    await head.start();
    expect(await submitRaw(requestId, body)).toEqual(first);
    const st = await head.run('qstat', ['-x'], { env: env({ DROVER_SERVER: live }) });
    expect(st.stdout.split('\n').filter((l) => l.includes(' once '))).toHaveLength(1);
    expect(await submitRaw('6b1d7c0e-2f43-4e8a-9d55-0a1b2c3d4e60', body)).not.toEqual(first);
  });
});
