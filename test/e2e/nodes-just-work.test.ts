// Nodes and jobs without a global install of Drover, on real sshd processes on 127.0.0.40-41:
// `drover node add` without --agent-cmd runs the head's own installation on the node; a broken
// --agent-cmd is reported within 5 s with the reason, and the node stays, down; jobs on an SSH
// node (root's and a user's) find pbsdsh and `drover checkpoint` on their PATH; a checkpointable
// job that does not catch its checkpoint signal is held by qhold without being killed by it, and
// resumes from its checkpoint after qrls.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAgentDir, ROOT, type RunResult, TestHead, waitUntil } from '../helpers/head.js';
import { makeClientKey, SSH_PORT, stopAgents, TestSshd } from '../helpers/sshd.js';
import { ALICE, dirOf, ensureUsers, runAs } from '../helpers/users.js';

const ADDRESSES = ['127.0.0.40', '127.0.0.41'];
let base: string;
let key: { privateKey: string; publicKey: string };
let sshds: TestSshd[];
let head: TestHead;

const agentDir = (name: string) => join(base, `agent-${name}`);
const seqOf = (id: string) => id.split('.')[0]!;

/** A command on a test node over OpenSSH's client, with the node's host key pinned. */
function ssh(i: number, command: string): Promise<RunResult> {
  const knownHosts = join(base, `known_hosts-${i}`);
  writeFileSync(knownHosts, `[${ADDRESSES[i]}]:${SSH_PORT} ${sshds[i]!.publicHostKey()}\n`);
  const args = ['-F', '/dev/null', '-i', key.privateKey, '-p', String(SSH_PORT), '-o', 'BatchMode=yes'];
  args.push('-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes');
  return new Promise((resolve) => {
    execFile('ssh', [...args, `root@${ADDRESSES[i]}`, command], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `drover node add NAME` for the sshd of ADDRESSES[i], without --agent-cmd unless `extra` has it. */
function nodeAdd(name: string, i: number, extra: string[] = []): Promise<RunResult> {
  prepareAgentDir(agentDir(name));
  return head.run('drover', [
    'node',
    'add',
    name,
    '--host',
    ADDRESSES[i]!,
    '--port',
    String(SSH_PORT),
    '--user',
    'root',
    '--identity',
    key.privateKey,
    '--state-dir',
    agentDir(name),
    '--ncpus',
    '2',
    ...extra,
  ]);
}

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-njw-'));
  // job users reach their scripts, node files and Drover's commands in the agents' state dirs
  chmodSync(base, 0o711);
  key = makeClientKey(base);
  sshds = ADDRESSES.map((a) => new TestSshd(a, base, key.publicKey));
  await Promise.all(sshds.map((s) => s.start()));
  head = new TestHead({ local: false, killDelay: 1 });
  await head.start();
  chmodSync(head.home, 0o711);
});

afterAll(async () => {
  await head?.stop();
  if (base) await stopAgents(base);
  for (const s of sshds ?? []) await s.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('nodes and jobs without a global install', () => {
  it('node add without --agent-cmd runs the head’s own installation on a node that has no drover', async () => {
    const which = await ssh(0, 'command -v drover');
    expect(which.stderr).toBe('');
    expect(which).toMatchObject({ code: 1, stdout: '' });
    const r = await nodeAdd('w1', 0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node w1 added \(2 CPUs, \d+ MiB\)$/m);
    const pid = Number(readFileSync(join(agentDir('w1'), 'agent.pid'), 'utf8'));
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(0, 3)).toEqual([process.execPath, join(ROOT, 'dist/cli/drover.js'), 'agent']);
    expect((await head.run('pbsnodes', ['w1'])).stdout).toMatch(/^ {5}state = free$/m);
  });

  it('a broken --agent-cmd is reported within 5 s with the reason and the fix; the node stays, down', async () => {
    const started = Date.now();
    const r = await nodeAdd('w2', 1, ['--agent-cmd', join(base, 'no-such-drover')]);
    const took = Date.now() - started;
    console.info(`node add with a broken --agent-cmd: exit ${r.code} after ${took} ms`);
    expect(took).toBeLessThan(5000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^drover: node w2 added, but it is down: agent dead: the host answers over SSH but its agent does not start \(exit 127: .*no-such-drover: No such file or directory\)$/m,
    );
    expect(r.stderr).toMatch(
      /^drover: the node runs `.*no-such-drover agent --state-dir DIR --ensure` over SSH: .*--agent-cmd/m,
    );
    const nodes = await head.run('pbsnodes', ['w2']);
    expect(nodes.stdout).toMatch(/^ {5}state = down$/m);
    expect(nodes.stdout).toMatch(/^ {5}comment = agent dead: .*no-such-drover: No such file or directory/m);
    expect((await head.run('drover', ['node', 'remove', 'w2'])).code).toBe(0);
  });

  it('a job on an SSH node finds pbsdsh and drover on its PATH, in its script and as the qsub -- program', async () => {
    const script = [
      '#PBS -N tools',
      '#PBS -c c',
      'command -v pbsdsh drover',
      'pbsdsh -- /bin/echo task',
      'echo saved > "$PBS_CHECKPOINT_DIR/state"',
      'drover checkpoint && echo checkpointed',
    ].join('\n');
    const id = await head.submit([], `${script}\n`);
    const direct = await head.submit(['-N', 'direct', '--', 'pbsdsh', '/bin/echo', 'direct task']);
    const done = await head.waitState(id, 'F', 30_000);
    expect(done).toMatchObject({ Exit_status: 0, checkpoint_count: 1 });
    const bin = join(agentDir('w1'), 'bin');
    expect(readFileSync(join(head.work, `tools.o${seqOf(id)}`), 'utf8')).toBe(
      `${bin}/pbsdsh\n${bin}/drover\ntask\ncheckpointed\n`,
    );
    expect(readFileSync(join(head.work, `tools.e${seqOf(id)}`), 'utf8')).toBe('drover: checkpoint 1 saved\n');
    expect(await head.waitState(direct, 'F', 30_000)).toMatchObject({ Exit_status: 0 });
    expect(readFileSync(join(head.work, `direct.o${seqOf(direct)}`), 'utf8')).toBe('direct task\n');
  });

  it('a user’s job on the SSH node runs the same commands as that user', async () => {
    const dir = dirOf(ALICE, base, 'alice-work');
    const script =
      '#PBS -N mine\n#PBS -c c\nid -un\npbsdsh -- /usr/bin/id -un\ndrover checkpoint && echo ok\n';
    const r = await runAs(ALICE, head, 'qsub', [], { cwd: dir, input: script });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(await head.waitState(id, 'F', 30_000)).toMatchObject({ Exit_status: 0, checkpoint_count: 1 });
    expect(readFileSync(join(dir, `mine.o${seqOf(id)}`), 'utf8')).toBe(`${ALICE}\n${ALICE}\nok\n`);
  });

  it('qhold of a -c job that does not catch its signal holds it without killing it; it resumes after qrls', async () => {
    const script = [
      '#PBS -N nocatch',
      '#PBS -c c',
      'n="$PBS_CHECKPOINT_DIR/n"',
      'i=0',
      'if [ -f "$n" ]; then read -r i < "$n"; echo "resumed at $i"; fi',
      'while [ "$i" -lt 25 ]; do i=$((i + 1)); echo "$i" > "$n.tmp" && mv "$n.tmp" "$n"; sleep 0.2; done',
      'echo "done at $i"',
    ].join('\n');
    const id = await head.submit([], `${script}\n`);
    const progress = join(agentDir('w1'), 'checkpoints', id, 'n');
    await waitUntil(
      () => (existsSync(progress) && Number(readFileSync(progress, 'utf8')) >= 3 ? true : undefined),
      30_000,
      'three steps of the loop',
    );
    expect((await head.run('qhold', [id])).code).toBe(0);
    const held = await head.waitState(id, 'HF', 15_000);
    expect(held.job_state).toBe('H');
    expect(Number(held.checkpoint_count)).toBe(1);
    const trace = await head.run('tracejob', [id]);
    expect(trace.stdout).toMatch(
      /Checkpoint 1 saved at the head, \d+ bytes \(attempt 1\): SIGUSR1 not sent: the job's script does not catch it \(bash, pid \d+\); its checkpoint directory was taken as it was/,
    );
    expect(trace.stdout).toMatch(/Job requeued \(attempt 1\): stopped after checkpoint 1 at request of/);
    expect((await head.run('qrls', [id])).code).toBe(0);
    const done = await head.waitState(id, 'F', 30_000);
    expect(done).toMatchObject({ Exit_status: 0, run_count: 2 });
    const out = readFileSync(join(head.work, `nocatch.o${seqOf(id)}`), 'utf8');
    expect(out).toMatch(/^resumed at ([3-9]|1\d|2[0-4])\ndone at 25\n$/);
  });
});
