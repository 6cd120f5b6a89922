// qstat's formats as the programs that drive PBS parse them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;

beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 2 } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

describe('qstat formats', () => {
  it('prints nothing, exit 0, for an empty queue', async () => {
    expect(await head.run('qstat', [])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('default table, -a with -n and -s, -f with the exact job_state line, -1', async () => {
    const run = await head.submit(['-N', 'longrunning', '-l', 'walltime=1:00:00', '--', '/bin/sleep', '60']);
    await head.waitState(run, 'R');
    const held = await head.submit(['-h', '-N', 'waiter', '--', '/bin/true']);
    const t = await head.run('qstat', []);
    const rows = t.stdout.split('\n');
    expect(rows[0]).toBe('Job id            Name             User              Time Use S Queue');
    expect(rows[1]).toBe('----------------  ---------------- ----------------  -------- - -----');
    const cols = rows[2]!.trim().split(/\s+/);
    expect(cols[0]).toBe(run);
    expect(cols[1]).toBe('longrunning');
    expect(cols[4]).toBe('R');
    expect(rows[3]!.split(/\s+/)[4]).toBe('H');
    const a = await head.run('qstat', ['-a', '-n', '-s']);
    expect(a.stdout).toMatch(/Req'd {2}Req'd {3}Elap/);
    expect(a.stdout).toMatch(new RegExp(`${run.slice(0, 10)}.*longrunni.*01:00 R`));
    expect(a.stdout).toMatch(/Job run at .* on \(/);
    const f = await head.run('qstat', ['-f', '-1']);
    expect(f.stdout).toMatch(new RegExp(`^Job Id: ${run}$`, 'm'));
    expect(f.stdout).toMatch(/^ {4}job_state = R$/m);
    expect(f.stdout).toMatch(/^ {4}exec_host = \S+\/0$/m);
    expect(f.stdout).toMatch(/^ {4}Hold_Types = u$/m);
    expect(f.stdout.split('\n').every((l) => !l.startsWith('\t'))).toBe(true);
    const byQueue = await head.run('qstat', ['-f', 'workq']);
    expect(byQueue.stdout).toContain(`Job Id: ${held}`);
    const u = await head.run('qstat', ['-u', 'nobody-at-all']);
    expect(u.stdout).toBe('');
    await head.run('qdel', [run, held]);
    await head.waitState(run, 'F');
  });

  it('-x shows finished jobs as F; -x -f -F json gives Exit_status as a number', async () => {
    const id = await head.submit(['-N', 'answer', '--', '/bin/sh', '-c', 'exit 42']);
    await head.waitState(id, 'F');
    expect((await head.run('qstat', [])).stdout).not.toContain(id);
    const x = await head.run('qstat', ['-x']);
    expect(x.stdout).toMatch(new RegExp(`^${id.slice(0, 16)}\\s+answer\\s+\\S+\\s+\\S+ F workq`, 'm'));
    const j = await head.run('qstat', ['-x', '-f', '-F', 'json', id.split('.')[0]!]);
    const doc = JSON.parse(j.stdout);
    expect(doc.pbs_server).toBe(head.server);
    expect(doc.Jobs[id].Exit_status).toBe(42);
    expect(doc.Jobs[id].job_state).toBe('F');
    expect(doc.Jobs[id].Resource_List.ncpus).toBe(1);
    expect(j.stdout).toMatch(/^\t"Jobs":\t\{$/m);
  });

  it('-Q, -B, and -B -f with the Server: line Nextflow reads', async () => {
    const q = await head.run('qstat', ['-Q']);
    expect(q.stdout.split('\n')[0]).toBe(
      'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type',
    );
    expect(q.stdout).toMatch(/^workq\s+0\s+\d+ yes yes/m);
    const b = await head.run('qstat', ['-B']);
    expect(b.stdout).toMatch(new RegExp(`^${head.server}\\s+0\\s+\\d+`, 'm'));
    const bf = await head.run('qstat', ['-B', '-f']);
    const server = bf.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((w) => w[0] === 'Server:');
    expect(server?.[1]).toBe(head.server);
    const at = await head.run('qstat', ['-f', `@${head.server}`]);
    expect(at.code).toBe(0);
    expect((await head.run('qstat', ['-Q', 'nosuch'])).stderr).toBe('qstat: Unknown queue nosuch\n');
  });
});
