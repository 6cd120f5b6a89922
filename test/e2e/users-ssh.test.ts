// A shared cluster with SSH nodes (real sshd on 127.0.0.36-38): users' jobs, pbsdsh tasks and
// checkpoints on remote nodes run as the users, with their groups and umask; the head's SSH keys
// are refused when others can read them, and its ssh-agent serves instead of a key file.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, slotNodes, startCluster } from '../helpers/cluster.js';
import { BIN, prepareAgentDir, stopPid, TestHead, waitUntil } from '../helpers/head.js';
import { addSshNode, TestSshd } from '../helpers/sshd.js';
import { ALICE, account, dirOf, ensureUsers, OPER, runAs, TEAM } from '../helpers/users.js';

let cluster: Cluster;
let work: string;
let dir: string;

const asAlice = (cmd: string, args: string[], input?: string) =>
  runAs(ALICE, cluster.head, cmd, args, { cwd: dir, ...(input !== undefined ? { input } : {}) });

async function submit(args: string[], input?: string): Promise<string> {
  const r = await asAlice('qsub', args, input);
  if (r.code !== 0) throw new Error(`qsub failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

const output = (name: string, id: string) => readFileSync(join(dir, `${name}.o${id.split('.')[0]}`), 'utf8');

beforeAll(async () => {
  ensureUsers();
  cluster = await startCluster({
    name: 'u',
    head: { killDelay: 1 },
    nodes: slotNodes('u', ['127.0.0.36', '127.0.0.37']),
    // job users reach their scripts and node files in the agents' state directories
    shared: true,
  });
  work = mkdtempSync(join(tmpdir(), 'drover-users-ssh-'));
  chmodSync(work, 0o711);
  dir = dirOf(ALICE, work);
  expect((await cluster.head.run('qmgr', ['-c', `set server operators += ${OPER}@*`])).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('users on SSH nodes', () => {
  it('a job on a remote node is its user’s: groups, TMPDIR, umask, output 0600', async () => {
    const id = await submit(
      ['-N', 'remote', '-j', 'oe', '-l', 'select=1:ncpus=1:slot=u2'],
      'id -un; id -Gn; stat -c %U:%a "$TMPDIR"; umask\n',
    );
    const job = await cluster.head.waitState(id, 'F');
    expect(job.exec_host).toBe('u2/0');
    const [user, groups, tmp, mask] = output('remote', id).split('\n');
    expect([user, tmp, mask]).toEqual([ALICE, `${ALICE}:700`, '0077']);
    expect(groups!.split(' ')).toContain(TEAM);
    const st = statSync(join(dir, `remote.o${id.split('.')[0]}`));
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: account(ALICE).uid, mode: 0o600 });
  });

  it('pbsdsh tasks on both nodes run as the job’s user', async () => {
    const id = await submit(
      ['-N', 'tasks', '-j', 'oe', '-l', 'select=2:ncpus=1', '-l', 'place=scatter', '-v', `BINDIR=${BIN}`],
      '"$BINDIR/pbsdsh" -- /usr/bin/id -un\n',
    );
    await cluster.head.waitState(id, 'F');
    expect(output('tasks', id)).toBe(`${ALICE}\n${ALICE}\n`);
  });

  it('pbsnodes -o by an operator moves a user’s checkpointable job: it resumes on the other node from its checkpoint', async () => {
    const script = [
      'n=$(cat "$PBS_CHECKPOINT_DIR/n" 2>/dev/null || echo 0)',
      'echo "start $n $PBS_RESTART"',
      'echo $((n+1)) > "$PBS_CHECKPOINT_DIR/n"',
      'trap \'"$DROVER" checkpoint\' USR1',
      'touch "$PBS_O_WORKDIR/moved.$n"; while true; do sleep 0.2; done',
    ].join('\n');
    const id = await submit(
      ['-N', 'moved', '-c', 'c', '-j', 'oe', '-v', `DROVER=${BIN}/drover`],
      `${script}\n`,
    );
    await waitUntil(() => existsSync(join(dir, 'moved.0')) || undefined, 30_000, 'the first run');
    const first = (await cluster.head.json(id))!.exec_host as string;
    const node = first.split('/')[0]!;
    const r = await runAs(OPER, cluster.head, 'pbsnodes', ['-o', node], { cwd: work });
    expect(r.code).toBe(0);
    await waitUntil(() => existsSync(join(dir, 'moved.1')) || undefined, 60_000, 'the run on the other node');
    const second = (await cluster.head.json(id))!.exec_host as string;
    expect(second.split('/')[0]).not.toBe(node);
    await runAs(OPER, cluster.head, 'pbsnodes', ['-r', node], { cwd: work });
    expect((await asAlice('qdel', [id])).code).toBe(0);
    await cluster.head.waitState(id, 'F');
    expect(output('moved', id)).toMatch(/^start 1 1/m);
  });
});

describe('the head’s SSH credentials', () => {
  let sshd: TestSshd;
  let agent: ChildProcess | undefined;
  let head: TestHead | undefined;
  const base = () => cluster.base;

  beforeAll(async () => {
    sshd = new TestSshd('127.0.0.38', base(), cluster.key.publicKey);
    await sshd.start();
  });

  afterAll(async () => {
    await head?.stop();
    if (agent?.pid) await stopPid(agent.pid);
    await sshd.stop();
  });

  it('refuses a key file others can read, one of another user, and /etc/shadow, as OpenSSH would', async () => {
    const open = join(base(), 'open_key');
    copyFileSync(cluster.key.privateKey, open);
    chmodSync(open, 0o644);
    const alices = join(base(), 'alice_key');
    copyFileSync(cluster.key.privateKey, alices);
    chmodSync(alices, 0o600);
    chownSync(alices, account(ALICE).uid, account(ALICE).gid);
    for (const [key, reason] of [
      [open, /permissions 0644 for private key .* are too open/],
      [alices, /belongs to uid \d+, not to root/],
      ['/etc/shadow', /permissions 0640 .* too open/],
    ] as const) {
      const r = await addSshNode(cluster.head, 'badkey', '127.0.0.38', key, join(base(), 'agent-badkey'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).not.toMatch(/root:/);
    }
  });

  it('uses the head’s ssh-agent when a node is added without --identity', async () => {
    const sock = join(base(), 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    await waitUntil(() => existsSync(sock) || undefined, 10_000, 'ssh-agent');
    execFileSync('ssh-add', [cluster.key.privateKey], {
      env: { ...process.env, SSH_AUTH_SOCK: sock },
      stdio: 'pipe',
    });
    head = new TestHead({ local: false, env: { SSH_AUTH_SOCK: sock } });
    await head.start();
    const stateDir = join(base(), 'agent-viaagent');
    prepareAgentDir(stateDir);
    const added = await head.run('drover', [
      'node',
      'add',
      'viaagent',
      '--host',
      '127.0.0.38',
      '--port',
      '2222',
      '--user',
      'root',
      '--agent-cmd',
      `${process.execPath} ${join(BIN, '..', 'dist/cli/drover.js')}`,
      '--state-dir',
      stateDir,
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = await head.submit(['--', '/bin/true']);
    expect((await head.waitState(id, 'F')).exec_host).toBe('viaagent/0');
    await head.stop();
    head = undefined;
    await stopPid(Number(readFileSync(join(stateDir, 'agent.pid'), 'utf8')));
  });
});
