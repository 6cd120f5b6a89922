// Multi-node work on real sshd nodes (127.0.0.14-15): Open MPI's mpirun reaching the job's nodes
// with plain ssh, pbsdsh's slot choices (-c, -n, -s, -o) and its tasks ending with the job, and
// the agent reached through the relay where the sshd forbids stream forwarding.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { ROOT, type TestHead, waitUntil } from '../helpers/head.js';
import { SSH_PORT, type TestSshd } from '../helpers/sshd.js';

const ADDRESSES = ['127.0.0.14', '127.0.0.15'];
const PBSDSH = join(ROOT, 'bin/pbsdsh');
let cluster: Cluster;
let base: string;
let key: { privateKey: string; publicKey: string };
let sshds: TestSshd[];
let head: TestHead;

/** The argv of every process whose command line holds all of `words`. */
function processesWith(...words: string[]): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return words.every((w) => cmd.includes(w)) ? [cmd] : [];
      } catch {
        return [];
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  cluster = await startCluster({
    name: 'tasks',
    head: { killDelay: 1 },
    nodes: [
      // m1's sshd forbids stream forwarding: the head reaches its agent through the relay
      { name: 'm1', address: ADDRESSES[0]!, sshdConfig: ['AllowStreamLocalForwarding no'], add: false },
      { name: 'm2', address: ADDRESSES[1]!, add: false },
    ],
  });
  ({ head, base, key } = cluster);
  sshds = cluster.nodes.map((n) => n.sshd);
  for (const node of cluster.nodes) {
    const r = await cluster.add(node.name, ['--ncpus', '2']);
    expect(r.stderr).toBe('');
  }
});

afterAll(async () => {
  await cluster?.stop();
});

const output = (name: string, id: string) =>
  readFileSync(join(head.work, `${name}.o${id.split('.')[0]}`), 'utf8');

describe('multi-node work over SSH', () => {
  it('reaches an agent through the relay where stream forwarding is forbidden, and through a forwarded stream elsewhere', () => {
    expect(processesWith('--connect', join(base, 'agent-m1'))).toHaveLength(1);
    expect(processesWith('--connect', join(base, 'agent-m2'))).toHaveLength(0);
  });

  it("Open MPI's mpirun --hostfile $PBS_NODEFILE starts a rank on each node over plain ssh", async () => {
    const config = join(base, 'job_ssh_config');
    const known = join(base, 'job_known_hosts');
    writeFileSync(known, sshds.map((s) => `[${s.address}]:${SSH_PORT} ${s.publicHostKey()}\n`).join(''));
    writeFileSync(
      config,
      [
        `Host ${ADDRESSES.join(' ')}`,
        `  Port ${SSH_PORT}`,
        `  IdentityFile ${key.privateKey}`,
        `  UserKnownHostsFile ${known}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    const rank = 'set -- $SSH_CONNECTION; echo "rank=$OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE via=$3"';
    writeFileSync(
      join(head.work, 'mpi.sh'),
      `#PBS -N mpi\n#PBS -l select=2:ncpus=1\n#PBS -l place=scatter\nmpirun --hostfile "$PBS_NODEFILE" --map-by node -np 2 /bin/sh -c '${rank}'\n`,
    );
    const id = await head.submit([
      '-v',
      `OMPI_MCA_plm_rsh_args=-F ${config},OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1`,
      'mpi.sh',
    ]);
    const j = await head.waitState(id, 'F', 60_000);
    expect(j.Exit_status, readFileSync(join(head.work, `mpi.e${id.split('.')[0]}`), 'utf8')).toBe(0);
    expect(output('mpi', id).trim().split('\n').sort()).toEqual(
      ADDRESSES.map((a, i) => `rank=${i} of 2 via=${a}`).sort(),
    );
  });

  it('pbsdsh -c wraps around the slots, -n picks one, -s runs them one after another', async () => {
    const task = 'echo "task=$PBS_TASKNUM node=$PBS_NODENUM"';
    const serial = `echo start $PBS_TASKNUM >> ${join(head.work, 'serial.log')}; sleep 0.3; echo end $PBS_TASKNUM >> ${join(head.work, 'serial.log')}`;
    writeFileSync(
      join(head.work, 'pick.sh'),
      [
        '#PBS -N pick',
        '#PBS -l select=2:ncpus=1',
        '#PBS -l place=scatter',
        `${PBSDSH} -c 3 /bin/sh -c '${task}'`,
        `${PBSDSH} -n 1 -- /bin/sh -c '${task}'`,
        `${PBSDSH} -n 2 /bin/true; echo "rc=$?"`,
        `${PBSDSH} -s /bin/sh -c '${serial}'`,
        '',
      ].join('\n'),
    );
    const id = await head.submit(['pick.sh']);
    await head.waitState(id, 'F');
    expect(output('pick', id)).toBe('task=0 node=0\ntask=1 node=1\ntask=2 node=0\ntask=0 node=1\nrc=1\n');
    expect(readFileSync(join(head.work, `pick.e${id.split('.')[0]}`), 'utf8')).toBe(
      'pbsdsh: node index 2 is out of range: the job has 2 slots (0-1)\n',
    );
    expect(readFileSync(join(head.work, 'serial.log'), 'utf8')).toBe('start 0\nend 0\nstart 1\nend 1\n');
  });

  it('pbsdsh -o returns once the tasks are started; the tasks end with the job on every node', async () => {
    const pids = join(head.work, 'task-pids');
    writeFileSync(
      join(head.work, 'linger.sh'),
      [
        '#PBS -N linger',
        '#PBS -l select=2:ncpus=1',
        '#PBS -l place=scatter',
        `${PBSDSH} -o /bin/sh -c 'echo $$ >> ${pids}; exec sleep 300'`,
        `echo "rc=$?"`,
        `while [ "$(wc -l < ${pids} 2>/dev/null || echo 0)" -lt 2 ]; do sleep 0.1; done`,
        '',
      ].join('\n'),
    );
    const id = await head.submit(['linger.sh']);
    await head.waitState(id, 'F', 30_000);
    expect(output('linger', id)).toBe('rc=0\n');
    const tasks = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(tasks).toHaveLength(2);
    await waitUntil(() => (tasks.every((p) => !alive(p)) ? true : undefined), 10_000, 'tasks to end');
  });

  it('pbsdsh refuses bad options with its usage', async () => {
    for (const args of [
      ['-c', '0', '/bin/true'],
      ['-c', '1', '-n', '0', '/bin/true'],
      ['-n', 'x', '/bin/true'],
    ]) {
      const r = await head.run('pbsdsh', args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^pbsdsh: .*\nusage: pbsdsh /);
    }
  });
});
