// Compute nodes over SSH: real sshd processes on 127.0.0.11-13, each with its own host key and
// agent state dir, added with `drover node add`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { ROOT, stopPid, type TestHead, waitUntil } from '../helpers/head.js';
import { addSshNode, SSH_PORT, type TestSshd } from '../helpers/sshd.js';

const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
let cluster: Cluster;
let base: string;
let key: { privateKey: string; publicKey: string };
let sshds: TestSshd[];
let head: TestHead;

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

const addNode = (i: number, extra: string[] = []) => cluster.add(`n${i + 1}`, extra);

beforeAll(async () => {
  cluster = await startCluster({
    name: 'ssh',
    head: { killDelay: 1 },
    // the first test adds them: it checks what `drover node add` prints
    nodes: ADDRESSES.map((address, i) => ({
      name: `n${i + 1}`,
      address,
      args: ['--ncpus', '2'],
      add: false,
    })),
  });
  ({ head, base, key } = cluster);
  sshds = cluster.nodes.map((n) => n.sshd);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('nodes over SSH', () => {
  it('adds nodes: learns each host key on first contact and prints its fingerprint', async () => {
    for (let i = 0; i < ADDRESSES.length; i++) {
      const r = await addNode(i);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const fp = execFileSync('ssh-keygen', ['-l', '-f', `${sshds[i]!.hostKeyFile}.pub`])
        .toString()
        .split(' ')[1];
      expect(r.stdout).toContain(
        `learned the host key of ${ADDRESSES[i]} on first contact: ssh-ed25519 ${fp}`,
      );
      expect(r.stdout).toContain(`node n${i + 1} added (2 CPUs`);
    }
    const known = readFileSync(join(head.stateDir, 'known_hosts'), 'utf8');
    for (let i = 0; i < ADDRESSES.length; i++) {
      expect(known).toContain(`[${ADDRESSES[i]}]:${SSH_PORT} ${sshds[i]!.publicHostKey()}`);
    }
    const nodes = await head.run('pbsnodes', ['-a']);
    expect(nodes.stdout.match(/^ {5}state = free$/gm)?.length).toBe(3);
    const list = await head.run('drover', ['node', 'list']);
    expect(list.stdout).toMatch(/^n2\s+127\.0\.0\.12\s+free\s+0\/2/m);
  });

  it('spreads jobs over the nodes and delivers their output to the submit directory', async () => {
    // six 1-CPU jobs that run until all six run at once: they need every slot of the 3 nodes
    const barrier = join(head.work, 'spread.go');
    const wait = `while [ ! -e ${barrier} ]; do sleep 0.1; done; cat "$PBS_NODEFILE"`;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await head.submit(['-N', `spread${i}`, '--', '/bin/sh', '-c', wait]));
    for (const id of ids) await head.waitState(id, 'R');
    writeFileSync(barrier, '');
    const hosts = new Set<string>();
    for (const [i, id] of ids.entries()) {
      const j = await head.waitState(id, 'F');
      expect(j.Exit_status).toBe(0);
      const out = readFileSync(join(head.work, `spread${i}.o${id.split('.')[0]}`), 'utf8').trim();
      expect(ADDRESSES).toContain(out);
      hosts.add(String(j.exec_host).split('/')[0]!);
    }
    expect(hosts).toEqual(new Set(['n1', 'n2', 'n3']));
  });

  it('places a select=2:ncpus=1 scatter job on two nodes with a two-line PBS_NODEFILE named after the job', async () => {
    const id = await head.submit([
      '-N',
      'pair',
      '-l',
      'select=2:ncpus=1',
      '-l',
      'place=scatter',
      '--',
      '/bin/sh',
      '-c',
      'cat "$PBS_NODEFILE"; basename "$PBS_NODEFILE"',
    ]);
    const j = await head.waitState(id, 'F');
    const out = readFileSync(join(head.work, `pair.o${id.split('.')[0]}`), 'utf8')
      .trim()
      .split('\n');
    expect(out).toHaveLength(3);
    expect(new Set(out.slice(0, 2)).size).toBe(2);
    for (const h of out.slice(0, 2)) expect(ADDRESSES).toContain(h);
    expect(out[2]).toBe(id);
    expect(String(j.exec_host)).toMatch(/^n\d\/0\+n\d\/0$/);
    expect(String(j.exec_vnode)).toMatch(/^\(n\d:ncpus=1\)\+\(n\d:ncpus=1\)$/);
    const n = await head.run('qstat', ['-x', '-n', id]);
    expect(n.stdout).toMatch(/^ {3}n\d\/0\+n\d\/0$/m);
  });

  it('uses node labels and GPUs as resources, and nodes=N:ppn=C gives C lines per node', async () => {
    const r = await addNode(2); // n3 exists already: refused, nothing changes
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('drover: node n3 already exists\n');
    const ppn = await head.submit(['-N', 'ppn', '-l', 'nodes=2:ppn=2', '--', '/bin/cat', '/dev/null']);
    const p = await head.waitState(ppn, 'F');
    const hosts = String(p.exec_host)
      .split('+')
      .map((h) => h.split('/')[0]);
    expect(new Set(hosts).size).toBe(2);
    const nf = await head.submit([
      '-N',
      'ppnfile',
      '-l',
      'nodes=2:ppn=2',
      '--',
      '/bin/sh',
      '-c',
      'cat "$PBS_NODEFILE"',
    ]);
    await head.waitState(nf, 'F');
    const out = readFileSync(join(head.work, `ppnfile.o${nf.split('.')[0]}`), 'utf8')
      .trim()
      .split('\n');
    expect(out).toHaveLength(4);
    expect(out[0]).toBe(out[1]);
    expect(out[2]).toBe(out[3]);
    expect(out[0]).not.toBe(out[2]);
    // g1 is a second node on 127.0.0.11 (its own agent), offering GPUs and a label
    const gpu = await addSshNode(head, 'g1', ADDRESSES[0]!, key.privateKey, join(base, 'agent-g1'), [
      '--ncpus',
      '2',
      '--ngpus',
      '2',
      '--labels',
      'gpu=true',
    ]);
    expect(gpu.stdout).toContain('matches the pinned ssh-ed25519');
    const id = await head.submit([
      '-N',
      'gpujob',
      '-l',
      'select=1:ncpus=1:ngpus=2:gpu=true',
      '--',
      '/bin/sh',
      '-c',
      'echo "$CUDA_VISIBLE_DEVICES"',
    ]);
    const j = await head.waitState(id, 'F');
    expect(String(j.exec_host)).toBe('g1/0');
    expect(readFileSync(join(head.work, `gpujob.o${id.split('.')[0]}`), 'utf8')).toBe('0,1\n');
    // remove the node first: its link would otherwise start the agent again
    expect((await head.run('drover', ['node', 'remove', 'g1'])).code).toBe(0);
    await stopPid(Number(readFileSync(join(base, 'agent-g1', 'agent.pid'), 'utf8')));
  });

  it('pbsdsh runs a task on every slot of a 2-node job, through the agents', async () => {
    const task = 'echo "task=$PBS_TASKNUM node=$PBS_NODENUM job=$PBS_JOBID nodefile=$PBS_NODEFILE"';
    writeFileSync(
      join(head.work, 'dsh.sh'),
      `#PBS -N dsh\n#PBS -l select=2:ncpus=1\n#PBS -l place=scatter\n${join(ROOT, 'bin/pbsdsh')} /bin/sh -c '${task}'\necho "rc=$?"\n`,
    );
    const id = await head.submit(['dsh.sh']);
    const j = await head.waitState(id, 'F');
    expect(j.Exit_status).toBe(0);
    const out = readFileSync(join(head.work, `dsh.o${id.split('.')[0]}`), 'utf8')
      .trim()
      .split('\n');
    expect(out).toHaveLength(3);
    const nodes = String(j.exec_host)
      .split('+')
      .map((h) => h.split('/')[0]!);
    for (const [i, line] of out.slice(0, 2).entries()) {
      const stateDir = join(base, `agent-${nodes[i]}`);
      expect(line).toBe(`task=${i} node=${i} job=${id} nodefile=${join(stateDir, 'aux', id)}`);
    }
    expect(out[2]).toBe('rc=0');
    const outside = await head.run('pbsdsh', ['/bin/true']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^pbsdsh: not inside a Drover job/);
  });

  it('jobs keep running when the SSH connection is cut; each is recorded once', async () => {
    const log = join(head.work, 'cut.log');
    const gate = join(head.work, 'cut.gate');
    // each job runs until the gate opens, after the cut: none can end before it
    writeFileSync(
      join(head.work, 'cut.sh'),
      `#PBS -N cut\necho "$PBS_JOBID" >> ${log}\nwhile [ ! -e ${gate} ]; do sleep 0.1; done\necho done\n`,
    );
    const ids = await Promise.all([0, 1, 2, 3].map(() => head.submit(['cut.sh'])));
    for (const id of ids) await head.waitState(id, 'R');
    await waitUntil(() => (lines(log).length === ids.length ? true : undefined), 30_000, 'the jobs to start');
    // kill every sshd session process: the head's connections drop, the agents and jobs stay
    for (const s of sshds) for (const pid of s.sessionPids()) process.kill(pid, 'SIGKILL');
    writeFileSync(gate, '');
    for (const id of ids) {
      const j = await head.waitState(id, 'F', 60_000);
      expect(j.Exit_status).toBe(0);
      expect(j.run_count).toBe(1);
      expect(readFileSync(join(head.work, `cut.o${id.split('.')[0]}`), 'utf8')).toBe('done\n');
    }
    expect(lines(log).sort()).toEqual([...ids].sort());
  });

  it('the head SIGKILLed and restarted while jobs run on remote nodes: each job finishes once', async () => {
    const log = join(head.work, 'crash.log');
    writeFileSync(
      join(head.work, 'crash.sh'),
      `#PBS -N crash\necho "$PBS_JOBID" >> ${log}\nsleep 2\necho ok\n`,
    );
    const ids = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(() => head.submit(['crash.sh'])));
    await waitUntil(() => (lines(log).length >= 4 ? true : undefined), 30_000, 'jobs to start');
    await head.kill9();
    await head.start();
    for (const id of ids) {
      const j = await head.waitState(id, 'F', 60_000);
      expect(j.Exit_status).toBe(0);
      expect(j.run_count).toBe(1);
      expect(readFileSync(join(head.work, `crash.o${id.split('.')[0]}`), 'utf8')).toBe('ok\n');
    }
    expect(lines(log).sort()).toEqual([...ids].sort());
  });

  it('refuses a changed host key: the node goes down with the reason, and node add refuses it', async () => {
    const s = sshds[2]!;
    await s.stop();
    s.newHostKey();
    await s.start();
    const down = await waitUntil(
      async () => {
        const r = await head.run('pbsnodes', ['-l']);
        return /^n3\s+down.*host key/m.test(r.stdout) ? r.stdout : undefined;
      },
      30_000,
      'n3 down for its host key',
    );
    expect(down).toMatch(/host key of root@127\.0\.0\.13:2222 changed/);
    const again = await head.run('drover', [
      'node',
      'add',
      'n3b',
      '--host',
      ADDRESSES[2]!,
      '--port',
      String(SSH_PORT),
      '--user',
      'root',
      '--identity',
      key.privateKey,
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/changed/);
    const id = await head.submit(['-l', 'select=3:ncpus=1', '-l', 'place=scatter', '--', '/bin/true']);
    const waiting = await head.waitComment(id);
    expect(waiting.job_state).toBe('Q');
    await head.run('qdel', [id]);
  });
});
