// Thumbnails of finished render-farm frames, end to end: a root head with its local node (two
// slots; an SSH node would add some 7 s of set-up and runs the same agent code), a POV-Ray farm of
// three 32x24 frames submitted by a real user (drv-alice). Each done frame's thumbnail is made on
// the node that rendered it, as alice, and served over HTTP as a JPEG at most 160 px wide
// (checked by its magic bytes and by ffprobe); bob, who may not see alice's farm
// (query_other_jobs = False), is refused; a frame without one is 404, and so is one whose image
// only root may read; a wider image is scaled down; a frame rendered again gets a new one. Pause,
// resume and kill of a farm by its routes and by render-farm, with qhold's, qrls's and qdel's
// permissions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmStatus } from '../../core/farm/farm-status.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { waitUntil } from '../helpers/head.js';
import { SCENE, tinyFarm } from '../helpers/tiny-farm.js';
import { ALICE, BOB, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let cluster: Cluster;
let work: string;
let dir: string;

interface Answer {
  status: number;
  type: string;
  cache: string;
  body: Buffer;
}

/** An HTTP request over head.sock by a process of `user` (the head knows who by the socket). */
const HTTP = `const [sock, method, path, body] = process.argv.slice(1);
const r = require('http').request({ socketPath: sock, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (s) => {
  const parts = []; s.on('data', (d) => parts.push(d));
  s.on('end', () => console.log(JSON.stringify({ status: s.statusCode, type: s.headers['content-type'] ?? '',
    cache: s.headers['cache-control'] ?? '', body: Buffer.concat(parts).toString('base64') })));
});
r.end(body || undefined);`;

async function http(user: string, method: string, path: string, body?: object): Promise<Answer> {
  const sock = join(cluster.head.stateDir, 'head.sock');
  const args = ['-e', HTTP, sock, method, path, ...(body ? [JSON.stringify(body)] : [])];
  const r = await runAs(user, cluster.head, process.execPath, args, { cwd: dir });
  if (r.code !== 0) throw new Error(`request as ${user} failed: ${r.stderr}`);
  const a = JSON.parse(r.stdout) as Omit<Answer, 'body'> & { body: string };
  return { ...a, body: Buffer.from(a.body, 'base64') };
}

/** The same, as root (the head's own user), from this process. */
function rootHttp(method: string, path: string, body?: object): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json' } : undefined;
    const socketPath = join(cluster.head.stateDir, 'head.sock');
    const r = request({ socketPath, method, path, ...(headers ? { headers } : {}) }, (s) => {
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () =>
        resolve({
          status: s.statusCode ?? 0,
          type: String(s.headers['content-type'] ?? ''),
          cache: String(s.headers['cache-control'] ?? ''),
          body: Buffer.concat(parts),
        }),
      );
    });
    r.on('error', reject);
    r.end(body ? JSON.stringify(body) : undefined);
  });
}

const json = (a: Answer) => JSON.parse(a.body.toString('utf8'));
const farmUrl = (id: string, rest = '') => `/v1/farms/${encodeURIComponent(id)}${rest}`;
const thumbUrl = (id: string, frame: number | string, attempt?: number) =>
  farmUrl(id, `/frames/${frame}/thumbnail${attempt !== undefined ? `?attempt=${attempt}` : ''}`);

const asAlice = (cmd: string, args: string[]) => runAs(ALICE, cluster.head, cmd, args, { cwd: dir });

async function status(id: string): Promise<FarmStatus> {
  const a = await rootHttp('GET', farmUrl(id));
  if (a.status !== 200) throw new Error(`farm status ${a.status}: ${a.body}`);
  return json(a) as FarmStatus;
}

const until = (id: string, what: string, ok: (s: FarmStatus) => boolean) =>
  waitUntil(async () => ((s) => (ok(s) ? s : undefined))(await status(id)), 30_000, what);

/** Width and height of an image, as ffprobe decodes it (independent of the head's header reader). */
function probe(image: Buffer): { width: number; height: number } {
  const file = join(work, 'probe.jpg');
  writeFileSync(file, image);
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const [width, height] = out.toString().trim().split(',').map(Number);
  return { width: width!, height: height! };
}

beforeAll(async () => {
  ensureUsers();
  cluster = await startCluster({
    name: 'thumb',
    head: { killDelay: 1, ncpus: 2 },
    shared: true,
  });
  work = mkdtempSync(join(tmpdir(), 'drover-thumb-'));
  execFileSync('chmod', ['0711', work]);
  dir = dirOf(ALICE, work);
  const q = await cluster.head.run('qmgr', ['-c', 'set server query_other_jobs = False']);
  expect(q.code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('thumbnails of finished frames', () => {
  it('are made where each frame was rendered, as its user, and served to those who may see the farm', async () => {
    const submit = await asAlice('render-farm', tinyFarm('thumbs', 'thumb.png'));
    expect(submit.code).toBe(0);
    const id = submit.stdout.trim();
    const s = await until(id, 'the farm to be done', (x) => x.state === 'done');
    // rendered on the SSH node and on the local one

    for (const f of s.frames) {
      expect(f).toMatchObject({ state: 'done', output: `thumb${f.frame}.png`, thumbnail: 1 });
      const a = await rootHttp('GET', thumbUrl(id, f.frame, f.thumbnail));
      expect(a.status).toBe(200);
      expect(a.type).toBe('image/jpeg');
      expect(a.cache).toBe('private, max-age=31536000, immutable');
      expect([...a.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(a.body.length).toBeLessThan(64 * 1024);
      // 32x24 frames are not scaled up
      expect(probe(a.body)).toEqual({ width: 32, height: 24 });
    }
    // the owner may fetch hers; bob may not even see the farm; without ?attempt a short cache
    const mine = await http(ALICE, 'GET', thumbUrl(id, 1));
    expect(mine).toMatchObject({ status: 200, type: 'image/jpeg', cache: 'private, max-age=60' });
    const refused = await http(BOB, 'GET', thumbUrl(id, 1, 1));
    expect(refused.status).toBe(403);
    expect(json(refused)).toMatchObject({ code: 'UNAUTHORIZED' });
    // none for a frame not in the farm or of an unknown farm; a bad frame number is a bad request
    expect(json(await rootHttp('GET', thumbUrl(id, 99)))).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
    });
    expect((await rootHttp('GET', thumbUrl('987654', 1))).status).toBe(404);
    expect(json(await rootHttp('GET', thumbUrl(id, 'x')))).toMatchObject({
      statusCode: 400,
      code: 'BAD_REQUEST',
    });

    // a frame rendered again: no thumbnail while it is queued, then the new attempt's
    expect((await asAlice('render-farm', ['retry', id, '--frames', '2'])).code).toBe(0);
    const again = await until(
      id,
      'frame 2 rendered again',
      (x) => x.state === 'done' && x.frames[1]!.thumbnail === 2,
    );
    expect(again.frames.map((f) => f.thumbnail)).toEqual([1, 2, 1]);
    const old = await rootHttp('GET', thumbUrl(id, 2, 1));
    expect(old).toMatchObject({ status: 200, cache: 'private, max-age=60' });
  });

  it('are read as the job’s user (an image only root may read gets none) and scaled down to 160 px', async () => {
    const image = (name: string, w: number, h: number) =>
      execFileSync('povray', [`+I${SCENE}`, `+W${w}`, `+H${h}`, '-D', `+O${join(work, name)}`], {
        stdio: 'ignore',
      });
    image('img1.png', 32, 24);
    execFileSync('chmod', ['0600', join(work, 'img1.png')]);
    image('img2.png', 200, 150);
    const submit = await asAlice('render-farm', [
      'submit',
      '--frames',
      '1-2',
      '--',
      'sh',
      '-c',
      `echo "Output file: ${join(work, 'img{frame}.png')}"`,
    ]);
    expect(submit.code).toBe(0);
    const id = submit.stdout.trim();
    const s = await until(id, 'the farm to be done', (x) => x.state === 'done');
    expect(s.frames.map((f) => [f.state, f.output, f.thumbnail])).toEqual([
      ['done', join(work, 'img1.png'), undefined],
      ['done', join(work, 'img2.png'), 1],
    ]);
    expect((await rootHttp('GET', thumbUrl(id, 1))).status).toBe(404);
    expect(probe((await rootHttp('GET', thumbUrl(id, 2))).body)).toEqual({ width: 160, height: 120 });
  });

  it('pause, resume and kill a farm: its owner may, another user may not; unfinished frames have no thumbnail', async () => {
    const gate = join(dir, 'gate');
    const submit = await asAlice('render-farm', [
      'submit',
      '--name',
      'gated',
      '--frames',
      '1-4',
      '--chunk',
      '1',
      '--',
      'sh',
      '-c',
      `while [ ! -e ${gate} ]; do sleep 0.1; done`,
    ]);
    expect(submit.code).toBe(0);
    const id = submit.stdout.trim();
    await until(id, 'two tasks running', (x) => x.counts.running === 2);
    expect(json(await rootHttp('GET', thumbUrl(id, 1)))).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
    });
    // bob: refused by the routes (he may not see the farm) and by the command
    const bobPause = await http(BOB, 'POST', farmUrl(id, '/pause'), {});
    expect(bobPause.status).toBe(403);
    expect((await runAs(BOB, cluster.head, 'render-farm', ['kill', id], { cwd: work })).code).toBe(159);
    // alice pauses through the route: the running tasks go on, the waiting ones are held
    const pause = await http(ALICE, 'POST', farmUrl(id, '/pause'), {});
    expect(pause.status).toBe(200);
    expect(json(pause).results).toEqual([{ operand: id, id }]);
    expect((await status(id)).state).toBe('paused');
    expect((await asAlice('render-farm', ['resume', id])).code).toBe(0);
    expect((await status(id)).state).toBe('running');
    expect((await asAlice('render-farm', ['pause', id])).code).toBe(0);
    expect((await status(id)).state).toBe('paused');
    // kill of a frame's task, then of the farm
    const kill3 = await http(ALICE, 'POST', farmUrl(id, '/kill'), { frames: [3] });
    expect(json(kill3).results).toEqual([{ operand: id.replace('[]', '[3]'), id: id.replace('[]', '[3]') }]);
    expect(json(await http(ALICE, 'POST', farmUrl(id, '/kill'), { frames: [9] }))).toMatchObject({
      code: 'USAGE',
      message: `frame 9 is not in farm ${id}`,
    });
    expect((await asAlice('render-farm', ['kill', id])).code).toBe(0);
    const killed = await until(id, 'the killed farm to end', (x) => x.state === 'failed');
    expect(killed.counts.failed).toBe(4);
    expect(killed.frames.every((f) => f.thumbnail === undefined)).toBe(true);
  });
});
